package io.wmb.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class ReportTests {

    private static final String REPORT = """
            # WMB benchmarks

            ## 6. Memory

            | process | MiB |

            ## 7. Transports: gRPC stream against Kafka

            Measured on 2026-12-02.

            | measurement | gRPC writes/s |

            ## Targets

            | target | measured |
            """;

    @TempDir
    Path folder;

    @Test
    void shouldReadASectionUpToTheNextHeading() throws IOException {
        Path file = write(REPORT);

        assertThat(Report.section(file, "## 7.")).hasValue("""
                ## 7. Transports: gRPC stream against Kafka

                Measured on 2026-12-02.

                | measurement | gRPC writes/s |""");
    }

    @Test
    void shouldFindNoSectionInAMissingReport() throws IOException {
        assertThat(Report.section(this.folder.resolve("none.md"), "## 7.")).isEmpty();
        assertThat(Report.section(write(REPORT), "## 9.")).isEmpty();
    }

    @Test
    void shouldReplaceOnlyTheSplicedSection() throws IOException {
        Path file = write(REPORT);

        Report.splice(file, "## 7. Transports\n\nnew figures\n", "## 7.");

        assertThat(Files.readString(file)).contains("## 6. Memory", "new figures", "## Targets")
            .doesNotContain("Measured on 2026-12-02.");
    }

    private Path write(String text) throws IOException {
        Path file = this.folder.resolve("benchmarks.md");
        Files.writeString(file, text);
        return file;
    }

}
