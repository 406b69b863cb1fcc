package io.wmb.bench;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class WarmUpTests {

    @Test
    void shouldNotCallASlowClimbSettled() {
        // Each round within 5% of the one before, but 10% from first to last: C2 still compiling.
        assertThat(BenchMain.settled(List.of(111.0, 117.0, 122.0))).isFalse();
    }

    @Test
    void shouldCallRatesWithin5PercentOfEachOtherSettled() {
        assertThat(BenchMain.settled(List.of(330.0, 318.0, 325.0))).isTrue();
    }

    @Test
    void shouldNotCallRatesWithoutAnyAnswerSettled() {
        assertThat(BenchMain.settled(List.of(0.0, 0.0, 0.0))).isFalse();
    }

}
