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
        String kept = TransportsPhase.keptTransports(SECTION);

        assertThat(kept).startsWith("## 7. Transports\n\n" + TransportsPhase.KEPT_NOTE)
            .contains("Measured by `./wmb bench --transports` on 2026-12-02.", "| a | b |");
    }

    @Test
    void shouldMarkASectionKeptTwiceOnlyOnce() {
        String kept = TransportsPhase.keptTransports(TransportsPhase.keptTransports(SECTION));

        assertThat(kept.split(Pattern.quote(TransportsPhase.KEPT_NOTE), -1)).hasSize(2);
        assertThat(kept).doesNotContain("\n\n\n");
    }

}
