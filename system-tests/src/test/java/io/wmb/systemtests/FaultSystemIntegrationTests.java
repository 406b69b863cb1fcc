package io.wmb.systemtests;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.wmb.systemtests.faults.FaultDemo;
import io.wmb.systemtests.faults.ReliabilityReport;
import io.wmb.systemtests.faults.WriteChecker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Faults a two-datacenter deployment meets, each under continuous writes in both datacenters from a
 * {@link WriteChecker} that remembers every acknowledged write and compares, at the end, both datacenters' MySQL,
 * Redis and API with it: nothing acknowledged may be lost, nothing may go back in version, and both datacenters
 * must converge.
 *
 * <p>Durations are short in the default build; {@code -Dwmb.faults.full=true} runs the full ones (what
 * {@code ./wmb faults} does), and {@code -Dwmb.faults.report=docs/reliability.md} writes the report.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultSystemIntegrationTests {

    private static final boolean FULL = Boolean.getBoolean("wmb.faults.full");

    private static final List<ReliabilityReport.Entry> REPORT = new ArrayList<>();

    private static FaultDemo demo;

    @BeforeAll
    static void startBothDatacenters() {
        RunningDemo.shared();
        demo = new FaultDemo(RunningDemo.PORT_OFFSET);
    }

    @AfterAll
    static void writeReport() {
        String file = System.getProperty("wmb.faults.report");
        if (file != null && !file.isBlank() && !REPORT.isEmpty()) {
            ReliabilityReport.write(Path.of(file), REPORT, FULL, "./wmb faults");
        }
    }

    @Test
    @Order(1)
    void shouldLoseNothingWhenTheLinkIsCutAndHealed() {
        Duration cut = duration(10, 180);
        WriteChecker checker = checker("link cut, healed");
        checker.start();
        awaitSomeWrites(checker);
        demo.cutLink();
        try {
            pause(cut);
        }
        finally {
            demo.healLink();
        }
        pause(duration(3, 10));
        finish(checker, "inter-datacenter link cut (connections closed, new ones black-holed), then healed", cut);
    }

    @Test
    @Order(2)
    void shouldLoseNothingWithAFortyMillisecondRoundTrip() {
        Duration slow = duration(10, 60);
        WriteChecker checker = checker("40 ms round trip");
        demo.roundTrip(Duration.ofMillis(40));
        try {
            checker.start();
            awaitSomeWrites(checker);
            pause(slow);
            finish(checker, "link round trip 40 ms (Beijing-Guangzhou), writes and convergence under it", slow);
        }
        finally {
            demo.roundTrip(Duration.ZERO);
        }
    }

    @ParameterizedTest(name = "kill -9 {0}")
    @ValueSource(strings = { "processor-unicom", "reship-telecom", "collector-unicom", "reconciler-unicom",
            "gateway-telecom" })
    @Order(3)
    void shouldLoseNothingWhenAServiceIsKilledAndRestarted(String service) {
        Duration down = duration(5, 30);
        WriteChecker checker = checker("kill -9 " + service);
        checker.start();
        awaitSomeWrites(checker);
        long started = System.nanoTime();
        demo.kill9(service);
        pause(down);
        demo.startService(service);
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
            .until(() -> demo.isHealthy(service));
        Duration outage = Duration.ofNanos(System.nanoTime() - started);
        pause(duration(3, 10));
        finish(checker, "`kill -9` of " + service + ", started again by the supervisor after " + down.toSeconds()
                + " s (outage until healthy)", outage);
    }

    @Test
    @Order(4)
    void shouldLoseNothingWhileElasticsearchIsDown() {
        Duration frozen = duration(15, 120);
        WriteChecker checker = checker("Elasticsearch down");
        checker.start();
        awaitSomeWrites(checker);
        demo.freezeElasticsearch(true);
        try {
            pause(frozen);
        }
        finally {
            demo.freezeElasticsearch(false);
        }
        pause(duration(3, 10));
        finish(checker, "Elasticsearch frozen (SIGSTOP: no answer, connections kept), then thawed", frozen);
    }

    private static WriteChecker checker(String scenario) {
        return new WriteChecker(demo, scenario, 2, Duration.ofMillis(20));
    }

    private static void awaitSomeWrites(WriteChecker checker) {
        await().atMost(Duration.ofMinutes(1)).until(() -> checker.acknowledged() >= 20);
    }

    private static void finish(WriteChecker checker, String fault, Duration faultDuration) {
        checker.stop();
        WriteChecker.Result result = checker.awaitConvergence(duration(120, 300));
        REPORT.add(new ReliabilityReport.Entry(fault, faultDuration, result));
        assertThat(result.writesAcknowledged()).as("acknowledged writes").isGreaterThan(20);
        assertThat(result.lost()).as("lost writes: %s", result.details()).isZero();
        assertThat(result.staleOverwrites()).as("stale overwrites: %s", result.details()).isZero();
        assertThat(result.converged()).as("both datacenters converged: %s", result.details()).isNotNull();
    }

    private static Duration duration(int shortSeconds, int fullSeconds) {
        return Duration.ofSeconds(FULL ? fullSeconds : shortSeconds);
    }

    /** The fault lasts this long while the writers keep writing: a wall-clock wait is the point here. */
    private static void pause(Duration duration) {
        long until = System.nanoTime() + duration.toNanos();
        await().atMost(duration.plusSeconds(5)).pollInterval(Duration.ofMillis(200))
            .until(() -> System.nanoTime() >= until);
    }
}
