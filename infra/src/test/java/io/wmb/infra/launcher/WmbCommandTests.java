package io.wmb.infra.launcher;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class WmbCommandTests {

    @TempDir
    Path dataRoot;

    private final ByteArrayOutputStream output = new ByteArrayOutputStream();

    @Test
    void shouldForgetStoresAndLogsOnResetButKeepUnpackedServersAndClassDataArchives() throws Exception {
        Files.createDirectories(this.dataRoot.resolve("servers/mariadb-unicom/data"));
        Files.writeString(this.dataRoot.resolve("servers/mariadb-unicom/data/posts.ibd"), "rows");
        Files.createDirectories(this.dataRoot.resolve("reship-unicom/outbox"));
        Files.createDirectories(this.dataRoot.resolve("logs"));
        Files.writeString(this.dataRoot.resolve("logs/edge.log"), "lines");
        Files.createDirectories(this.dataRoot.resolve("dist/elasticsearch-8.19.21/bin"));
        Files.createDirectories(this.dataRoot.resolve("cds/processor/app"));
        Files.writeString(this.dataRoot.resolve("cds/processor/app/app-17.0.15_6-Debian-1deb12u1.jsa"), "archive");

        int exit = command().reset();

        assertThat(exit).isZero();
        try (var entries = Files.list(this.dataRoot)) {
            assertThat(entries.map((path) -> path.getFileName().toString())).containsExactlyInAnyOrder("dist", "cds");
        }
        assertThat(this.dataRoot.resolve("dist/elasticsearch-8.19.21/bin")).isDirectory();
        assertThat(this.dataRoot.resolve("cds/processor/app/app-17.0.15_6-Debian-1deb12u1.jsa")).hasContent("archive");
    }

    @Test
    void shouldRefuseToResetWhileTheSupervisorRuns() throws Exception {
        Files.createDirectories(this.dataRoot.resolve("servers"));
        // Looks like the supervisor to the launcher: alive, and "supervise" on its command line.
        Process supervisor = new ProcessBuilder("sh", "-c", "sleep 30", "supervise").start();
        try {
            Files.writeString(WmbCommand.pidFile(this.dataRoot), Long.toString(supervisor.pid()));

            int exit = command().reset();

            assertThat(exit).isEqualTo(1);
            assertThat(this.output.toString(StandardCharsets.UTF_8)).contains("./wmb down first");
            assertThat(this.dataRoot.resolve("servers")).isDirectory();
        }
        finally {
            supervisor.destroyForcibly().waitFor();
        }
    }

    private WmbCommand command() {
        return new WmbCommand(this.dataRoot.getParent(), this.dataRoot,
                new PrintStream(this.output, true, StandardCharsets.UTF_8));
    }

}
