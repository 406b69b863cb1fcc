package io.wmb.infra;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/** Housekeeping of the shared infrastructure, without starting servers. */
class InfrastructureTests {

    @TempDir
    Path root;

    @Test
    void shouldStopServersAndDeleteFoldersOfTestJvmsThatDied() throws Exception {
        Path orphan = Files.createDirectories(this.root.resolve("test-" + deadPid()).resolve("mariadb-unicom"));
        // A stand-in server whose command line names its folder, as mariadbd's --datadir does.
        Process server = new ProcessBuilder("bash", "-c", "sleep 60; echo " + orphan).start();
        Files.writeString(orphan.resolve("mariadbd.pid"), Long.toString(server.pid()));
        Path alive = Files.createDirectories(this.root.resolve("test-" + ProcessHandle.current().pid()));

        Infrastructure.reapOrphans(this.root);

        await().atMost(Duration.ofSeconds(10)).until(() -> !server.isAlive());
        assertThat(orphan.getParent()).doesNotExist();
        assertThat(alive).exists();
    }

    @Test
    void shouldLeaveAProcessAloneWhoseCommandLineDoesNotNameTheFolder() throws Exception {
        Path orphan = Files.createDirectories(this.root.resolve("test-" + deadPid()).resolve("mariadb-unicom"));
        Process unrelated = new ProcessBuilder("sleep", "30").start();
        try {
            Files.writeString(orphan.resolve("mariadbd.pid"), Long.toString(unrelated.pid()));
            Infrastructure.reapOrphans(this.root);
            assertThat(unrelated.isAlive()).isTrue();
        }
        finally {
            unrelated.destroyForcibly();
        }
    }

    @Test
    void shouldRefuseDataUnderTheTemporaryFolder() {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        assertThatIllegalArgumentException()
            .isThrownBy(() -> Infrastructure.start(InfrastructureSettings.ephemeral(tmp, "x"), ServerListener.NONE))
            .withMessageContaining("java.io.tmpdir");
    }

    @Test
    void shouldNameTheBadPort() {
        assertThatIllegalArgumentException()
            .isThrownBy(() -> new InfrastructureSettings(this.root, this.root, true, 70000, 0, 0, 0, 0, 0))
            .withMessage("mysqlMasterPort must be between 0 and 65535, but was 70000");
    }

    @Test
    void shouldTellElasticsearchLosingItsPortFromOtherStartFailures() {
        // The tail of a node whose free HTTP port an outgoing connection took before the node bound it.
        String portTaken = """
                    Suppressed: java.lang.RuntimeException: Rethrowing promise failure cause
                        at io.netty.channel.DefaultChannelPromise.sync(DefaultChannelPromise.java:119)
                        at org.elasticsearch.http.netty4.Netty4HttpServerTransport.bind(Netty4HttpServerTransport.java:246)
                """;
        assertThat(ElasticsearchServer.isBindFailure(portTaken)).isTrue();
        assertThat(ElasticsearchServer.isBindFailure("BindHttpException[Failed to bind to 127.0.0.1:53863]")).isTrue();
        assertThat(ElasticsearchServer.isBindFailure(
                "bootstrap check failure [1] of [1]: max virtual memory areas vm.max_map_count [65530] is too low"))
            .isFalse();
        assertThat(ElasticsearchServer.isBindFailure(null)).isFalse();
    }

    /** A pid that no process has: a child that has already exited. */
    private static long deadPid() throws Exception {
        Process process = new ProcessBuilder("true").start();
        process.waitFor();
        return process.pid();
    }
}
