package io.wmb.gateway.settings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import io.wmb.gateway.routing.Datacenter;
import io.wmb.gateway.routing.Region;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class SettingsStoreTests {

    private static final Instant NOON = Instant.parse("2026-01-02T12:00:00Z");

    private final JsonMapper json = JsonMapper.builder().build();

    private final Clock clock = Clock.fixed(NOON, ZoneOffset.UTC);

    @TempDir
    Path directory;

    @Test
    void shouldStartFromTheInitialSettingsWhenNothingIsPersisted() {
        SettingsStore store = store();
        assertThat(store.current()).isEqualTo(initial());
        assertThat(store.audit(10)).isEmpty();
    }

    @Test
    void shouldKeepChangesAcrossARestart() {
        SettingsStore store = store();
        store.setShiftPercent(Region.NORTH, 20, alice());
        store.setRemoteWeightPercent(15, alice());
        store.setDrained(Datacenter.TELECOM, true, alice());

        SettingsStore restarted = store();
        assertThat(restarted.current().shiftPercent(Region.NORTH)).isEqualTo(20);
        assertThat(restarted.current().remoteWeightPercent()).isEqualTo(15);
        assertThat(restarted.current().drained(Datacenter.TELECOM)).isTrue();
        assertThat(restarted.current().revision()).isEqualTo(3);
        assertThat(Files.exists(this.directory.resolve(SettingsStore.SETTINGS_FILE + ".tmp"))).isFalse();
    }

    @Test
    void shouldAuditWhoChangedWhatWhenFromWhatToWhat() {
        SettingsStore store = store();
        store.setShiftPercent(Region.SOUTH, 12.5, alice());
        store.setShiftPercent(Region.SOUTH, 30, alice());
        assertThat(store().audit(10)).containsExactly(
                new AuditEntry(NOON, "alice", "127.0.0.9", "shiftPercent.south", 0.0, 12.5, 1),
                new AuditEntry(NOON, "alice", "127.0.0.9", "shiftPercent.south", 12.5, 30.0, 2));
        assertThat(store.audit(1)).hasSize(1).first().extracting(AuditEntry::to).isEqualTo(30.0);
    }

    @Test
    void shouldRefuseAPercentOutOfRangeAndKeepTheOldValue() {
        SettingsStore store = store();
        assertThatIllegalArgumentException().isThrownBy(() -> store.setShiftPercent(Region.NORTH, 101, alice()))
            .withMessageContaining("101");
        assertThatIllegalArgumentException().isThrownBy(() -> store.setRemoteWeightPercent(-1, alice()));
        assertThat(store.current()).isEqualTo(initial());
        assertThat(store.audit(10)).isEmpty();
    }

    @Test
    void shouldRefuseToStartOnACorruptFile() throws Exception {
        Files.writeString(this.directory.resolve(SettingsStore.SETTINGS_FILE), "{\"shiftPercent\":");
        assertThatIllegalStateException().isThrownBy(this::store).withMessageContaining("settings.json");
    }

    private SettingsStore store() {
        return new SettingsStore(this.directory, initial(), this.json, this.clock);
    }

    private static RoutingSettings initial() {
        return new RoutingSettings(new RoutingSettings.Shift(5, 0), 0, null, 0);
    }

    private static SettingsStore.Change alice() {
        return new SettingsStore.Change("alice", "127.0.0.9");
    }

}
