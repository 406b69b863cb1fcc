package io.wmb.bench;

import java.util.List;

import io.wmb.bench.demo.PrometheusHistogram;
import io.wmb.bench.report.Report;

/**
 * The legs of a write's way from unicom to telecom, from the services' own histograms: where a run's replication lag
 * goes. The collector's lag runs from the origin's accept to the telecom processor's apply; the reship's send delay
 * covers its first part (the origin's apply, the hand-off to reship, the synced outbox append, the queue before the
 * send), the reship's acknowledgement latency the rest (the link, the collector, the telecom processor's apply, the
 * way back). The origin's write (until reship holds it), its MySQL statement and the telecom apply are parts of those
 * two.
 * @param originWrite the unicom processor's writes, from accept until reship holds the write on disk (per write)
 * @param originStatement the unicom processor's MySQL statements (per statement)
 * @param acceptToSend from unicom accepting a write to reship sending it to telecom (per write)
 * @param sendToAck from reship sending a batch to telecom's acknowledgement (per batch)
 * @param peerApply the telecom collector's call to its processor (per batch)
 */
record LagLegs(PrometheusHistogram originWrite, PrometheusHistogram originStatement,
        PrometheusHistogram acceptToSend, PrometheusHistogram sendToAck, PrometheusHistogram peerApply) {

    static final String ORIGIN_WRITE = "wmb_processor_writes_seconds";

    static final String ORIGIN_STATEMENT = "wmb_processor_mysql_seconds";

    static final String ACCEPT_TO_SEND = "wmb_reship_send_delay_seconds";

    static final String SEND_TO_ACK = "wmb_reship_ack_latency_seconds";

    static final String PEER_APPLY = "wmb_collector_apply_latency_seconds";

    /**
     * The legs as the services count them now.
     * @param processor the unicom processor's Prometheus exposition
     * @param reship the unicom reship's
     * @param collector the telecom collector's
     */
    static LagLegs parse(String processor, String reship, String collector) {
        return new LagLegs(PrometheusHistogram.parse(processor, ORIGIN_WRITE),
                PrometheusHistogram.parse(processor, ORIGIN_STATEMENT),
                PrometheusHistogram.parse(reship, ACCEPT_TO_SEND), PrometheusHistogram.parse(reship, SEND_TO_ACK),
                PrometheusHistogram.parse(collector, PEER_APPLY));
    }

    /** What was counted since {@code earlier}. */
    LagLegs minus(LagLegs earlier) {
        return new LagLegs(this.originWrite.minus(earlier.originWrite),
                this.originStatement.minus(earlier.originStatement),
                this.acceptToSend.minus(earlier.acceptToSend), this.sendToAck.minus(earlier.sendToAck),
                this.peerApply.minus(earlier.peerApply));
    }

    /** One row per leg: leg, what it holds, counted per, observations, p50 and p99 in ms. */
    List<List<String>> rows() {
        return List.of(
                row("accept -> send", "the origin's apply, the hand-off to reship, the synced outbox append, the "
                        + "queue before the send", "write", this.acceptToSend),
                row("  of which: origin write", "the unicom processor, from accept until reship holds the write "
                        + "on disk (intent, MySQL, Redis, hand-off)", "write", this.originWrite),
                row("  of which: MySQL statement", "the unicom processor's statement (the master's commit)",
                        "statement", this.originStatement),
                row("send -> acknowledgement", "the link, the telecom collector, the telecom processor's apply, the "
                        + "way back", "batch", this.sendToAck),
                row("  of which: telecom apply", "the collector's call to the telecom processor", "batch",
                        this.peerApply));
    }

    private static List<String> row(String leg, String holds, String per, PrometheusHistogram histogram) {
        return List.of(leg, holds, per, Long.toString(histogram.count()),
                Report.number(histogram.percentileMillis(50)), Report.number(histogram.percentileMillis(99)));
    }

}
