package io.wmb.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import io.wmb.bench.load.LoadResult;
import io.wmb.bench.report.Report;

/**
 * What the warm-up before phase 1 did.
 * @param edgeRates the edge's writes/s, round by round
 * @param took how long it ran
 * @param settled whether the edge's rate had stopped climbing by the end
 * @param end why it ended
 */
record WarmUp(List<Double> edgeRates, Duration took, boolean settled, End end) {

    /** The bound on a whole run, from starting the demo to stopping it. */
    static final Duration RUN_BUDGET = Duration.ofMinutes(15);

    /**
     * What phases 1-6 and stopping the demo take after the warm-up: 10 min 14 s on the slowest day measured
     * (2026-12-06: the demo took 121 s to start, the edge's writes/s were 40% of the committed report's).
     */
    static final Duration AFTER_WARM_UP = Duration.ofSeconds(620);

    /** Longest warm-up: on the committed report's day the edge had stopped climbing after 2.4 minutes. */
    static final Duration LIMIT = Duration.ofMinutes(4);

    /** Shortest warm-up, even when the demo's start leaves less of the budget: 5 rounds. */
    static final Duration MINIMUM = Duration.ofSeconds(90);

    /**
     * Saturates the write and read paths for {@link #LIMIT} (less when the demo was slow to start, see
     * {@link #endAfterRound}), then judges whether the edge's throughput had stopped climbing. With C2 on, a dozen
     * JVMs on two cores keep compiling for minutes, and the proxies settle last: after 75 s of load the edge still
     * spent 2.5 ms of CPU per write, after another 90 s 0.44 ms (wrk, same demo).
     * Compilation is CPU the measured runs would pay. It does not stop early: rounds scatter so much on this shared
     * machine that a plateau test passed on a dip (rounds at 237, 351, 374, 326, 413, 354 writes/s) and phase 1 then
     * still climbed from 413 to 576. Its end keeps the whole run under the 15 minutes; a warm-up still
     * climbing at its end says so in the report, since the figures after it are then on the low side.
     */
    static WarmUp run(BenchRun bench) throws IOException {
        boolean quick = bench.options().quick();
        Duration edgeRound = quick ? Duration.ofSeconds(6) : Duration.ofSeconds(10);
        Duration otherRound = quick ? Duration.ofSeconds(3) : Duration.ofSeconds(4);
        long began = System.nanoTime();
        long roundBegan = began;
        List<Long> ids = bench.createPosts(100);
        List<Double> rates = new ArrayList<>();
        for (int round = 1;; round++) {
            LoadResult edge = bench.load().saturate("warm-up edge, round " + round, 64, edgeRound,
                    Workload.writes(bench.demo().edgeUrl(), "warm-up"));
            BenchRun.log(edge);
            BenchRun.log(bench.load().saturate("warm-up reads, round " + round, 32, otherRound,
                    Workload.reads(bench.demo().edgeUrl(), ids)));
            BenchRun.log(bench.load().saturate("warm-up direct, round " + round, 64, otherRound,
                    Workload.writes(bench.demo().processorUrl("unicom"), "warm-up")));
            rates.add(edge.throughput());
            long now = System.nanoTime();
            Duration took = Duration.ofNanos(now - began);
            End end = quick ? End.LIMIT
                    : endAfterRound(took, Duration.ofNanos(now - bench.began()), Duration.ofNanos(now - roundBegan));
            if (end != End.NOT_YET) {
                boolean settled = stoppedClimbing(rates);
                BenchRun.log("warm-up took " + took.toSeconds() + " s; " + (settled
                        ? "the edge's rate had stopped climbing" : "the edge's rate was still climbing"));
                return new WarmUp(rates, took, settled, end);
            }
            roundBegan = now;
        }
    }

    /**
     * Whether the warm-up ends after a round: at {@link #LIMIT}, or earlier when another round would leave the phases
     * after it less than {@link #AFTER_WARM_UP} of the {@link #RUN_BUDGET} (on a slow day the demo alone took two
     * minutes to start), but never before {@link #MINIMUM}.
     * @param took how long the warm-up has run
     * @param sinceStart how long the whole run has, the demo's start included
     * @param round how long the last round took, taken as the next one's length
     * @return whether and why it ends
     */
    static End endAfterRound(Duration took, Duration sinceStart, Duration round) {
        if (took.compareTo(LIMIT) >= 0) {
            return End.LIMIT;
        }
        if (took.compareTo(MINIMUM) >= 0 && sinceStart.plus(round).plus(AFTER_WARM_UP).compareTo(RUN_BUDGET) > 0) {
            return End.BUDGET;
        }
        return End.NOT_YET;
    }

    /**
     * Whether the edge's rate stopped climbing: the median of the last three rounds is at most 5% above the median of
     * the three before (so at least six rounds). While C2 is still compiling, the rate climbs a few percent a round
     * (73, 79, 87, 102, 111, 117, 122 writes/s in one run), and medians three rounds apart differ by more than that.
     * Once it is done, rounds on this shared machine still scatter by 10% or more (463 to 536 writes/s over the last
     * seven rounds of one run): asking three rounds in a row to agree within 5% then never ends the warm-up, while a
     * median shrugs off one outlier.
     * @param rates the edge's writes/s, round by round
     * @return whether the rate had stopped climbing
     */
    static boolean stoppedClimbing(List<Double> rates) {
        if (rates.size() < 6) {
            return false;
        }
        double last = medianOfThree(rates.subList(rates.size() - 3, rates.size()));
        double before = medianOfThree(rates.subList(rates.size() - 6, rates.size() - 3));
        return before > 0 && last <= 1.05 * before;
    }

    private static double medianOfThree(List<Double> three) {
        return three.stream().sorted().toList().get(1);
    }

    /** The report's paragraph on the warm-up. */
    String describe() {
        String rounds = this.edgeRates.stream().map(Report::number).collect(Collectors.joining(", "));
        String why = (this.end == End.BUDGET) ? String.format(Locale.ROOT, " (short of its %d s: another round would "
                + "have left the rest of the run less than the %d s it takes within the %d minutes)",
                LIMIT.toSeconds(), AFTER_WARM_UP.toSeconds(), RUN_BUDGET.toMinutes()) : "";
        return String.format(Locale.ROOT, "Warm-up before it: %d rounds of saturated writes through the edge, "
                + "reads through the edge and writes direct, %d s in all%s; the edge's writes/s round by round: "
                + "%s. %s", this.edgeRates.size(), this.took.toSeconds(), why, rounds, this.settled
                        ? "By its end the rate had stopped climbing: the median of the last three rounds "
                                + "within 5% of the median of the three before."
                        : "By its end the rate was still climbing (the median of its last three rounds more than "
                                + "5% above the three before): the figures below are on the low side.");
    }

    /** Why the warm-up ended, or that it goes on. */
    enum End {

        /** Not yet: another round. */
        NOT_YET,

        /** It ran {@link WarmUp#LIMIT}. */
        LIMIT,

        /** Another round would not leave the rest of the run its time within {@link WarmUp#RUN_BUDGET}. */
        BUDGET
    }
}
