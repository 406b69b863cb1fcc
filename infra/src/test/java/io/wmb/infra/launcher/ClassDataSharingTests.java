package io.wmb.infra.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class ClassDataSharingTests {

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

    @Test
    void shouldRecordAnArchiveForThisJdkAndMapItOnTheNextStart() throws Exception {
        Path archive = this.extracted.getParent().resolve(thisJdksArchive());

        List<String> first = classData().launch("processor", this.jar);
        Files.writeString(archive, "archive written at exit");
        List<String> second = classData().launch("processor", this.jar);

        assertThat(first).containsExactly("-XX:ArchiveClassesAtExit=" + archive, "-jar", this.extracted.toString());
        assertThat(second).containsExactly("-XX:SharedArchiveFile=" + archive, "-jar", this.extracted.toString());
    }

    @Test
    void shouldRecordItsOwnArchiveWhereOnlyAnotherJdksArchiveExists() throws Exception {
        Path other = Files.writeString(this.extracted.getParent()
            .resolve(ClassDataSharing.archiveName("25.0.1+8-LTS")), "archive of another JDK");
        Path archive = this.extracted.getParent().resolve(thisJdksArchive());

        List<String> args = classData().launch("processor", this.jar);

        assertThat(other.toString()).isNotEqualTo(archive.toString());
        assertThat(args).containsExactly("-XX:ArchiveClassesAtExit=" + archive, "-jar", this.extracted.toString());
        assertThat(other).hasContent("archive of another JDK");
    }

    @Test
    void shouldNameArchivesWithFileNameSafeCharactersOnly() {
        assertThat(ClassDataSharing.archiveName("17.0.15+6-Debian-1deb12u1"))
            .isEqualTo("app-17.0.15_6-Debian-1deb12u1.jsa");
    }

    @Test
    void shouldRunTheJarAsItIsWhenTurnedOff() {
        List<String> args = new ClassDataSharing(this.temp.resolve("cds"), "java", false).launch("processor",
                this.jar);

        assertThat(args).containsExactly("-jar", this.jar.toString());
    }

    private ClassDataSharing classData() {
        return new ClassDataSharing(this.temp.resolve("cds"), "java", true);
    }

    private static String thisJdksArchive() {
        return ClassDataSharing.archiveName(Runtime.version().toString());
    }

}
