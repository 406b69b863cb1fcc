package io.wmb.infra.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The flags {@link ClassDataSharing} gives, run by real JVMs on a real Spring Boot jar (the launcher's own exec jar,
 * extracted as the services' are): the first start records the archive as it exits, the second maps it, with
 * sharing made mandatory ({@code -Xshare:on}, {@code -XX:AOTMode=on}) so that an archive the JVM cannot use fails
 * the start instead of being skipped in silence.
 */
class ClassDataSharingIntegrationTests {

    /** Where this machine kind has its JDK 25 ({@code WMB_TEST_JDK25} elsewhere). */
    private static final Path DEFAULT_JDK_25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");

    /** The services' flags that matter to an archive (the same GC on both starts). */
    private static final List<String> SERVICE_FLAGS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    /** {@code ./wmb help} exits with the usage status; a JVM that cannot map a mandatory archive exits with 1. */
    private static final int USAGE_EXIT = 2;

    @TempDir
    Path temp;

    @Test
    void shouldRecordADynamicArchiveOnJdk17AndStartFromIt() throws Exception {
        Path jdk = Path.of(System.getProperty("java.home"));
        assumeTrue(Runtime.version().feature() < ClassDataSharing.AOT_CACHE_FEATURE, "this test JVM is JDK 25+");

        Path archive = recordAndReuse(jdk, "-XX:ArchiveClassesAtExit=", "-XX:SharedArchiveFile=", "-Xshare:on");

        assertThat(archive.getFileName().toString()).endsWith(".jsa");
    }

    @Test
    void shouldRecordAnAotCacheOnJdk25AndStartFromIt() throws Exception {
        Path jdk = Optional.ofNullable(System.getenv("WMB_TEST_JDK25")).map(Path::of).orElse(DEFAULT_JDK_25);
        assumeTrue(Files.isExecutable(jdk.resolve("bin/java")), "no JDK 25 at " + jdk + " (WMB_TEST_JDK25)");

        Path cache = recordAndReuse(jdk, "-XX:AOTCacheOutput=", "-XX:AOTCache=", "-XX:AOTMode=on");

        assertThat(cache.getFileName().toString()).endsWith(".aot");
    }

    private Path recordAndReuse(Path jdk, String recordFlag, String mapFlag, String mandatory) throws Exception {
        String java = jdk.resolve("bin/java").toString();
        ClassDataSharing classData = new ClassDataSharing(this.temp.resolve("cds"), java, true, versionOf(jdk));
        Path jar = launcherJar();

        List<String> first = classData.launch("infra", jar);
        assertThat(first.get(0)).startsWith(recordFlag);
        Path archive = Path.of(first.get(0).substring(recordFlag.length()));
        Result recorded = run(java, List.of(), first);
        assertThat(recorded.exitCode()).as(recorded.output()).isEqualTo(USAGE_EXIT);
        assertThat(archive).isNotEmptyFile();

        List<String> second = classData.launch("infra", jar);
        assertThat(second.get(0)).isEqualTo(mapFlag + archive);
        Result reused = run(java, List.of(mandatory), second);
        assertThat(reused.exitCode()).as(reused.output()).isEqualTo(USAGE_EXIT);
        assertThat(reused.output()).contains("usage: ./wmb COMMAND");
        return archive;
    }

    /** Runs {@code ./wmb help} on the launcher jar: a short start and an orderly exit, which writes the archive. */
    private Result run(String java, List<String> extra, List<String> launch) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(SERVICE_FLAGS);
        command.addAll(extra);
        command.addAll(launch);
        command.add("help");
        Path log = Files.createTempFile(this.temp, "jvm", ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(3, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("no exit within 3 minutes: " + command);
        }
        return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    /** The JDK's full version, from its {@code release} file, as the launcher's own JVM would report it. */
    private static Runtime.Version versionOf(Path jdk) throws IOException {
        return Files.readAllLines(jdk.resolve("release"))
            .stream()
            .filter((line) -> line.startsWith("JAVA_RUNTIME_VERSION="))
            .map((line) -> line.substring(line.indexOf('=') + 1).replace("\"", ""))
            .map(Runtime.Version::parse)
            .findFirst()
            .orElseThrow(() -> new AssertionError("no JAVA_RUNTIME_VERSION in " + jdk.resolve("release")));
    }

    /** The exec jar the package phase has just built (failsafe runs after it). */
    private static Path launcherJar() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            return files.filter((file) -> file.getFileName().toString().matches("wmb-infra-.*-exec\\.jar"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no infra/target/wmb-infra-*-exec.jar: run the package phase"))
                .toAbsolutePath();
        }
    }

    private record Result(int exitCode, String output) {
    }

}
