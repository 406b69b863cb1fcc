package io.wmb.infra.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class ClassDataSharingTests {

    private static final Runtime.Version JDK_17 = Runtime.Version.parse("17.0.15+6-Debian-1deb12u1");

    private static final Runtime.Version JDK_25 = Runtime.Version.parse("25.0.1+8-LTS");

    @TempDir
    Path temp;

    private Path jar;

    private Path extracted;

    @BeforeEach
    void extractedAlready() throws Exception {
        // What an earlier start left: the jar extracted into its stamped folder, marked complete.
        this.jar = Files.writeString(this.temp.resolve("wmb-processor-exec.jar"), "jar");
        String stamp = Files.getLastModifiedTime(this.jar).toMillis() + "-" + Files.size(this.jar);
        Path dir = Files.createDirectories(this.temp.resolve("cds/processor-" + stamp + "/app"));
        this.extracted = Files.writeString(dir.resolve(this.jar.getFileName()), "extracted");
        Files.writeString(dir.getParent().resolve("complete"), this.jar.toString());
    }

    @ParameterizedTest
    @CsvSource({ "17.0.15+6-Debian-1deb12u1, -XX:ArchiveClassesAtExit=, -XX:SharedArchiveFile=",
        "25.0.1+8-LTS, -XX:AOTCacheOutput=, -XX:AOTCache=" })
    void shouldRecordAnArchiveOfItsJdksKindAndMapItOnTheNextStart(String version, String record, String map)
            throws Exception {
        Runtime.Version jdk = Runtime.Version.parse(version);
        Path archive = this.extracted.getParent().resolve(ClassDataSharing.archiveName(jdk));

        List<String> first = classData(jdk).launch("processor", this.jar);
        Files.writeString(archive, "archive written at exit");
        List<String> second = classData(jdk).launch("processor", this.jar);

        assertThat(first).containsExactly(record + archive, "-jar", this.extracted.toString());
        assertThat(second).containsExactly(map + archive, "-jar", this.extracted.toString());
    }

    @Test
    void shouldRecordItsOwnArchiveWhereOnlyAnotherJdksArchiveExists() throws Exception {
        Path other = Files.writeString(this.extracted.getParent()
            .resolve(ClassDataSharing.archiveName(Runtime.Version.parse("17.0.9+9"))), "archive of another JDK");
        Path archive = this.extracted.getParent().resolve(ClassDataSharing.archiveName(JDK_17));

        List<String> args = classData(JDK_17).launch("processor", this.jar);

        assertThat(other.toString()).isNotEqualTo(archive.toString());
        assertThat(args).containsExactly("-XX:ArchiveClassesAtExit=" + archive, "-jar", this.extracted.toString());
        assertThat(other).hasContent("archive of another JDK");
    }

    @Test
    void shouldKeepSeparateArchivesForStartsWithAndWithoutAheadOfTimeDefinitions() throws Exception {
        ClassDataSharing classData = classData(JDK_17);
        Path plain = this.extracted.getParent().resolve(ClassDataSharing.archiveName(JDK_17));
        Path aheadOfTime = this.extracted.getParent().resolve(ClassDataSharing.archiveName(JDK_17, true));

        List<String> plainStart = classData.launch("processor", this.jar, false);
        List<String> aheadOfTimeStart = classData.launch("processor", this.jar, true);
        Files.writeString(aheadOfTime, "archive written at exit");
        List<String> nextAheadOfTimeStart = classData.launch("processor", this.jar, true);

        assertThat(aheadOfTime.getFileName()).hasToString("app-spring-aot-17.0.15_6-Debian-1deb12u1.jsa");
        // Both record at once: one recorder per archive, not per module.
        assertThat(plainStart).containsExactly("-XX:ArchiveClassesAtExit=" + plain, "-jar", this.extracted.toString());
        assertThat(aheadOfTimeStart).containsExactly("-XX:ArchiveClassesAtExit=" + aheadOfTime, "-jar",
                this.extracted.toString());
        assertThat(nextAheadOfTimeStart).containsExactly("-XX:SharedArchiveFile=" + aheadOfTime, "-jar",
                this.extracted.toString());
    }

    @Test
    void shouldNameArchivesWithFileNameSafeCharactersOnly() {
        assertThat(ClassDataSharing.archiveName(JDK_17)).isEqualTo("app-17.0.15_6-Debian-1deb12u1.jsa");
        assertThat(ClassDataSharing.archiveName(JDK_25)).isEqualTo("app-25.0.1_8-LTS.aot");
    }

    @Test
    void shouldUseTheLaunchersOwnJdkByDefault() {
        Path archive = this.extracted.getParent().resolve(ClassDataSharing.archiveName(Runtime.version()));

        List<String> args = new ClassDataSharing(this.temp.resolve("cds"), "java", true).launch("processor",
                this.jar);

        assertThat(args.get(0)).endsWith("=" + archive);
    }

    @Test
    void shouldRunTheJarAsItIsWhenTurnedOff() {
        List<String> args = new ClassDataSharing(this.temp.resolve("cds"), "java", false).launch("processor",
                this.jar);

        assertThat(args).containsExactly("-jar", this.jar.toString());
    }

    private ClassDataSharing classData(Runtime.Version jdk) {
        return new ClassDataSharing(this.temp.resolve("cds"), "java", true, jdk);
    }

}
