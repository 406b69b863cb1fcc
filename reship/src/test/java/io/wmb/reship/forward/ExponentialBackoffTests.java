package io.wmb.reship.forward;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ExponentialBackoffTests {

    @Test
    void shouldDoubleUpToTheMaximumWithinTwentyPercentJitter() {
        ExponentialBackoff backoff = new ExponentialBackoff(Duration.ofMillis(100), Duration.ofMillis(500));

        assertThat(backoff.next()).isBetween(Duration.ofMillis(80), Duration.ofMillis(120));
        assertThat(backoff.next()).isBetween(Duration.ofMillis(160), Duration.ofMillis(240));
        assertThat(backoff.next()).isBetween(Duration.ofMillis(320), Duration.ofMillis(480));
        assertThat(backoff.next()).isBetween(Duration.ofMillis(400), Duration.ofMillis(600));
        assertThat(backoff.next()).isBetween(Duration.ofMillis(400), Duration.ofMillis(600));
    }

    @Test
    void shouldStartOverAfterAReset() {
        ExponentialBackoff backoff = new ExponentialBackoff(Duration.ofMillis(100), Duration.ofSeconds(5));
        backoff.next();
        backoff.next();
        backoff.next();

        backoff.reset();

        assertThat(backoff.next()).isBetween(Duration.ofMillis(80), Duration.ofMillis(120));
    }

    @Test
    void shouldNameTheBadDelay() {
        assertThatIllegalArgumentException()
            .isThrownBy(() -> new ExponentialBackoff(Duration.ZERO, Duration.ofSeconds(1)))
            .withMessage("initial backoff must be positive, but was PT0S");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> new ExponentialBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
            .withMessage("max backoff must be at least the initial backoff PT2S, but was PT1S");
    }

}
