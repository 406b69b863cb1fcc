package io.wmb.infra.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.wmb.infra.Datacenter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Where the supervisor keeps which MariaDB is the master; the failover and failback themselves run against the
 * whole demo in the system tests.
 */
class FailoverTests {

    @TempDir
    Path folder;

    @Test
    void shouldTakeUnicomsServerAsTheMasterWhenNothingWasEverFailedOver() {
        Failover failover = new Failover("token", this.folder.resolve("servers/mysql-master"));

        assertThat(failover.owner()).isEqualTo(Datacenter.UNICOM);
    }

    @Test
    void shouldStartFromTheMasterThatTheLastPromotionRecorded() throws IOException {
        Path file = this.folder.resolve("servers/mysql-master");
        Failover.writeMaster(file, Datacenter.TELECOM);

        assertThat(new Failover("token", file).owner()).isEqualTo(Datacenter.TELECOM);
        assertThat(file.resolveSibling("mysql-master.next")).doesNotExist();

        Failover.writeMaster(file, Datacenter.UNICOM);

        assertThat(new Failover("token", file).owner()).isEqualTo(Datacenter.UNICOM);
        assertThat(Files.readString(file)).isEqualTo("unicom\n");
    }

    @Test
    void shouldRefuseToGuessTheMasterFromAFileThatNamesNoDatacenter() throws IOException {
        Path file = Files.writeString(this.folder.resolve("mysql-master"), "beijing\n");

        assertThatIllegalStateException().isThrownBy(() -> new Failover("token", file))
            .withMessageContaining(file.toString())
            .withMessageContaining("'beijing'")
            .withMessageContaining("unicom or telecom");
    }

}
