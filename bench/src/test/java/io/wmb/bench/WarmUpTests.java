package io.wmb.bench;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class WarmUpTests {

    @Test
    void shouldNotCallASlowClimbSettled() {
        // Each round within 5% of the one before, but more than 5% in three rounds: C2 still compiling.
        assertThat(BenchMain.settled(List.of(73.0, 79.0, 87.0, 102.0, 111.0, 117.0, 122.0))).isFalse();
    }

    @Test
    void shouldCallAPlateauSettledDespiteRoundsScatteringByMoreThan5Percent() {
        // The last rounds of a run whose JIT was done: 463 to 536 writes/s, no three in a row within 5%.
        assertThat(BenchMain.settled(List.of(463.0, 528.0, 533.0, 486.0, 463.0, 536.0))).isTrue();
    }

    @Test
    void shouldNotJudgeFewerThanSixRounds() {
        assertThat(BenchMain.settled(List.of(330.0, 330.0, 330.0, 330.0, 330.0))).isFalse();
    }

    @Test
    void shouldNotCallRatesWithoutAnyAnswerSettled() {
        assertThat(BenchMain.settled(List.of(0.0, 0.0, 0.0, 0.0, 0.0, 0.0))).isFalse();
    }

}
