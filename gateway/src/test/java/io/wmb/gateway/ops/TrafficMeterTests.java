package io.wmb.gateway.ops;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TrafficMeterTests {

    private final SteppingClock clock = new SteppingClock(Instant.parse("2026-01-02T12:00:00Z"));

    private final TrafficMeter meter = new TrafficMeter(this.clock);

    @Test
    void shouldCountRequestsPerSecondAndSeries() {
        record(3, "north>unicom");
        record(1, "south>telecom");
        this.clock.advance(Duration.ofSeconds(1));
        record(5, "north>unicom");
        this.clock.advance(Duration.ofSeconds(1));
        record(100, "north>unicom");

        assertThat(this.meter.history(2).get("north>unicom")).containsExactly(3, 5);
        assertThat(this.meter.history(2).get("south>telecom")).containsExactly(1, 0);
        assertThat(this.meter.ratePerSecond(2)).containsEntry("north>unicom", 4.0);
    }

    @Test
    void shouldForgetSecondsOlderThanTheWindow() {
        record(7, "north>unicom");
        this.clock.advance(Duration.ofSeconds(TrafficMeter.SECONDS + 5));
        record(1, "south>telecom");
        this.clock.advance(Duration.ofSeconds(1));
        assertThat(this.meter.series()).isEqualTo(List.of("south>telecom"));
    }

    private void record(int times, String series) {
        for (int i = 0; i < times; i++) {
            this.meter.record(series);
        }
    }

    /** A clock that moves only when the test says so. */
    private static final class SteppingClock extends Clock {

        private Instant now;

        SteppingClock(Instant start) {
            this.now = start;
        }

        void advance(Duration duration) {
            this.now = this.now.plus(duration);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return this.now;
        }

    }

}
