package io.wmb.collector.dedup;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class DeduplicationStoreTests {

    @TempDir
    Path dir;

    @Test
    void shouldRememberAppliedRequestsAcrossARestart() {
        try (DeduplicationStore store = new DeduplicationStore(this.dir, Duration.ofDays(1))) {
            store.remember(List.of("req-1", "req-2"), System.currentTimeMillis());

            assertThat(store.contains("req-1")).isTrue();
            assertThat(store.contains("req-3")).isFalse();
        }
        try (DeduplicationStore reopened = new DeduplicationStore(this.dir, Duration.ofDays(1))) {
            assertThat(reopened.contains("req-2")).isTrue();
            assertThat(reopened.contains("req-3")).isFalse();
        }
    }

    @Test
    void shouldNameABadRetention() {
        assertThatIllegalArgumentException()
            .isThrownBy(() -> new DeduplicationStore(this.dir, Duration.ofMillis(10)))
            .withMessage("retention must be between 1 s and 68 years, but was PT0.01S");
    }

}
