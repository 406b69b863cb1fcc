package io.wmb.systemtests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import io.wmb.infra.tour.Tour;
import io.wmb.infra.tour.TourSettings;
import io.wmb.infra.tour.TourStep;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ./wmb tour} against the demo as {@code ./wmb up} starts it: the very steps a user runs (the tour's code
 * lives in the infra module), each asserted. The tour prints what it does and sees; the output is kept in the
 * test's log.
 */
class TourSystemIntegrationTests {

    private static RunningDemo demo;

    @BeforeAll
    static void startBothDatacenters() {
        demo = RunningDemo.shared();
    }

    @Test
    void shouldPassEveryStepOfTheTour() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(new Tee(printed, System.out), true, StandardCharsets.UTF_8);

        List<TourStep> steps = new Tour(TourSettings.forOffset(RunningDemo.PORT_OFFSET), out).run();

        assertThat(steps).extracting(TourStep::name).containsExactly("everything is up and routes plainly",
                "write in the north, read in the south", "shift 30% of the north to telecom",
                "cut the link, write on both sides, heal, converge",
                "the reconciler repairs a write lost on its way", "put the demo back as it was");
        assertThat(steps).allSatisfy((step) -> assertThat(step.passed())
            .as("%s: %s", step.name(), step.detail())
            .isTrue());
        assertThat(steps.get(2).detail()).contains("of 500 northern users in telecom");
        assertThat(steps.get(3).detail()).startsWith("converged");
        String output = printed.toString(StandardCharsets.UTF_8);
        assertThat(output).contains("Tour complete: all 6 steps passed.")
            .contains("RECONCILED record(s) for requestId");
        // Put back as found: the link is whole again for the tests that follow.
        assertThat(demo.wmb(Duration.ofSeconds(30), "link", "status")).contains("\"cut\":false");
    }

    /** Writes to the buffer the assertions read and to the test's own output, as the tour goes. */
    private static final class Tee extends OutputStream {

        private final OutputStream first;

        private final OutputStream second;

        Tee(OutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(int b) throws IOException {
            this.first.write(b);
            this.second.write(b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            this.first.write(bytes, offset, length);
            this.second.write(bytes, offset, length);
        }
    }
}
