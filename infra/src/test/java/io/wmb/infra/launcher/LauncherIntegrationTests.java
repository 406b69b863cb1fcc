package io.wmb.infra.launcher;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import io.wmb.infra.Infrastructure;
import io.wmb.infra.LocalPorts;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ./wmb up} and {@code ./wmb down} as a user runs them: the launcher's exec jar as separate processes, on a
 * port offset of its own, with a repository that has no service jars (services are skipped: the servers, the link
 * and the supervisor are what up and down must handle here; the system tests run the whole demo).
 */
class LauncherIntegrationTests {

    /** Unicom's port of every demo component (telecom's is one higher), link routes and control API included. */
    private static final int[] DEMO_PORTS = { 3307, 3308, 6380, 6381, 9200, 9300, 13307, 8090, 8080, 8081, 8082,
        8101, 8102, 9101, 9102, 8111, 8112, 9111, 9112, 8121, 8122, 9121, 9122, 8131, 8132, 19121, 19122, 18101,
        18102, 19101, 19102, 16380, 16381 };

    @TempDir
    Path repository;

    private int offset;

    private Path dataRoot;

    @BeforeEach
    void chooseFreeOffset() throws IOException {
        // Below the ephemeral range (32768+), clear of the demo at 0 and the system tests' 20000+.
        this.offset = IntStream.generate(() -> 4000 + 10 * ThreadLocalRandom.current().nextInt(900))
            .filter((candidate) -> IntStream.of(DEMO_PORTS).noneMatch((port) -> LocalPorts.isListening(port + candidate)))
            .findFirst()
            .getAsInt();
        // Elasticsearch runs as nobody (65534) when the tests run as root: it must be able to walk down here.
        Files.setPosixFilePermissions(this.repository, PosixFilePermissions.fromString("rwxr-xr-x"));
        this.dataRoot = this.repository.resolve(".wmb-data");
        Files.createDirectories(this.dataRoot);
        // Share the unpacked server binaries with the other tests instead of unpacking 500 MB again.
        Path dist = Infrastructure.dataRoot().resolve("dist");
        Files.createDirectories(dist);
        Files.createSymbolicLink(this.dataRoot.resolve("dist"), dist);
    }

    @Test
    void shouldRefuseToStartWhenAPortIsTakenAndSayWhichOne() throws Exception {
        int taken = 8102 + this.offset;
        try (ServerSocket squatter = new ServerSocket(taken, 1, InetAddress.getLoopbackAddress())) {
            Result up = wmb(Duration.ofSeconds(60), "up");

            assertThat(up.exitCode()).as(up.output()).isEqualTo(1);
            assertThat(up.output()).contains("Cannot start WMB")
                .contains("port " + taken + ": wanted by processor-telecom")
                .contains("WMB_PORT_OFFSET");
        }
        assertThat(this.dataRoot.resolve("supervisor.pid")).doesNotExist();
        assertThat(LocalPorts.isListening(8090 + this.offset)).isFalse();
    }

    @Test
    void shouldLeaveNothingRunningAfterDown() throws Exception {
        Result up = wmb(Duration.ofMinutes(6), "up");
        List<ProcessHandle> started = new ArrayList<>();
        try {
            assertThat(up.exitCode()).as(up.output()).isZero();
            assertThat(up.output()).contains("All healthy in").contains("skipped: no jar");
            long supervisorPid = Long.parseLong(Files.readString(this.dataRoot.resolve("supervisor.pid")).trim());
            ProcessHandle.of(supervisorPid).ifPresent(started::add);
            ProcessHandle.of(supervisorPid).ifPresent((supervisor) -> supervisor.descendants().forEach(started::add));
            assertThat(started).as("the supervisor and its servers").hasSizeGreaterThanOrEqualTo(5);
            assertThat(LocalPorts.isListening(3307 + this.offset)).isTrue();
        }
        finally {
            Result down = wmb(Duration.ofMinutes(3), "down");
            assertThat(down.exitCode()).as(down.output()).isZero();
        }

        assertThat(started).allSatisfy((process) -> assertThat(process.isAlive())
            .as("pid %d (%s) still runs", process.pid(), process.info().command().orElse("?"))
            .isFalse());
        assertThat(IntStream.of(DEMO_PORTS).map((port) -> port + this.offset).filter(LocalPorts::isListening)
            .boxed()
            .toList()).as("ports still listening").isEmpty();
        assertThat(this.dataRoot.resolve("supervisor.pid")).doesNotExist();
        Result status = wmb(Duration.ofSeconds(60), "status");
        assertThat(status.output()).contains("WMB is not running");
    }

    private Result wmb(Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
            .toString(), "-Xmx128m", "-XX:TieredStopAtLevel=1", "-Dwmb.repository=" + this.repository, "-jar",
                launcherJar().toString()));
        command.addAll(List.of(args));
        Path log = Files.createTempFile(this.repository, "wmb-", ".out");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("WMB_PORT_OFFSET", Integer.toString(this.offset));
        builder.environment().put("WMB_DATA_ROOT", this.dataRoot.toString());
        Process process = builder.start();
        if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("wmb " + String.join(" ", args) + " took longer than " + timeout + ":\n"
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
        return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    /** The exec jar the package phase has just built (failsafe runs after it). */
    private static Path launcherJar() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            Optional<Path> jar = files.filter((file) -> file.getFileName().toString().matches("wmb-infra-.*-exec\\.jar"))
                .findFirst();
            return jar.orElseThrow(() -> new AssertionError("no infra/target/wmb-infra-*-exec.jar: run the package"
                    + " phase first")).toAbsolutePath();
        }
    }

    private record Result(int exitCode, String output) {
    }
}
