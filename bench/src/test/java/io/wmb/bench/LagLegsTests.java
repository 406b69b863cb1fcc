package io.wmb.bench;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LagLegsTests {

    @Test
    void shouldReadEachLegFromItsServiceAndCountOnlyWhatCameAfterTheEarlierScrape() {
        LagLegs before = LagLegs.parse(histogram(LagLegs.ORIGIN_WRITE, 10, 0, 0.002, 0.040)
                + histogram(LagLegs.ORIGIN_STATEMENT, 10, 0, 0.001, 0.020),
                histogram(LagLegs.ACCEPT_TO_SEND, 10, 0, 0.005, 0.080)
                        + histogram(LagLegs.SEND_TO_ACK, 5, 0, 0.030, 0.030),
                histogram(LagLegs.PEER_APPLY, 5, 0, 0.010, 0.010));
        // Since then: 100 writes, 99 of them within 2 ms and 1 within 40 ms; 100 statements, 98 of them within 1 ms
        // and 2 within 20 ms; 100 writes sent, 98 within 5 ms and 2 within 80 ms; 10 batches acknowledged within
        // 30 ms, applied within 10 ms.
        LagLegs after = LagLegs.parse(histogram(LagLegs.ORIGIN_WRITE, 109, 1, 0.002, 0.040)
                + histogram(LagLegs.ORIGIN_STATEMENT, 108, 2, 0.001, 0.020),
                histogram(LagLegs.ACCEPT_TO_SEND, 108, 2, 0.005, 0.080)
                        + histogram(LagLegs.SEND_TO_ACK, 15, 0, 0.030, 0.030),
                histogram(LagLegs.PEER_APPLY, 15, 0, 0.010, 0.010));

        List<List<String>> rows = after.minus(before).rows();

        assertThat(rows).extracting((row) -> row.get(0)).containsExactly("accept -> send",
                "  of which: origin write", "  of which: MySQL statement", "send -> acknowledgement",
                "  of which: telecom apply");
        assertThat(rows.get(0)).endsWith("write", "100", "5.0", "80.0");
        assertThat(rows.get(1)).endsWith("write", "100", "2.0", "2.0");
        assertThat(rows.get(2)).endsWith("statement", "100", "1.0", "20.0");
        assertThat(rows.get(3)).endsWith("batch", "10", "30.0", "30.0");
        assertThat(rows.get(4)).endsWith("batch", "10", "10.0", "10.0");
    }

    @Test
    void shouldShowNoFiguresForALegThatCountedNothing() {
        List<List<String>> rows = LagLegs.parse("", "", "").rows();

        assertThat(rows).allSatisfy((row) -> assertThat(row).endsWith("0", "n/a", "n/a"));
    }

    /**
     * A Prometheus histogram with {@code fast} observations within {@code fastBound} seconds and {@code slow} more
     * within {@code slowBound} (one bucket if the bounds are equal).
     */
    private static String histogram(String metric, long fast, long slow, double fastBound, double slowBound) {
        String labels = "datacenter=\"unicom\",";
        return metric + "_bucket{" + labels + "le=\"" + fastBound + "\"} " + fast + "\n"
                + ((slowBound > fastBound) ? metric + "_bucket{" + labels + "le=\"" + slowBound + "\"} "
                        + (fast + slow) + "\n" : "")
                + metric + "_bucket{" + labels + "le=\"+Inf\"} " + (fast + slow) + "\n"
                + metric + "_count{" + labels + "} " + (fast + slow) + "\n";
    }

}
