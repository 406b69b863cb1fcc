package io.wmb.bench;

import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class KeptTransportsTests {

    private static final String SECTION = """
            ## 7. Transports

            Measured by `./wmb bench --transports` on 2026-12-02.

            | a | b |""";

    @Test
    void shouldSayUnderTheHeadingThatTheSectionComesFromAnEarlierRun() {
        String kept = BenchMain.keptTransports(SECTION);

        assertThat(kept).startsWith("## 7. Transports\n\n" + BenchMain.KEPT_NOTE)
            .contains("Measured by `./wmb bench --transports` on 2026-12-02.", "| a | b |");
    }

    @Test
    void shouldMarkASectionKeptTwiceOnlyOnce() {
        String kept = BenchMain.keptTransports(BenchMain.keptTransports(SECTION));

        assertThat(kept.split(Pattern.quote(BenchMain.KEPT_NOTE), -1)).hasSize(2);
        assertThat(kept).doesNotContain("\n\n\n");
    }

}
