package io.wmb.bench;

import java.time.Duration;
import java.util.List;

import io.wmb.bench.WarmUp.End;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class WarmUpTests {

    @Test
    void shouldNotCallASlowClimbSettled() {
        // Each round within 5% of the one before, but more than 5% in three rounds: C2 still compiling.
        assertThat(WarmUp.stoppedClimbing(List.of(73.0, 79.0, 87.0, 102.0, 111.0, 117.0, 122.0))).isFalse();
    }

    @Test
    void shouldCallAPlateauSettledDespiteRoundsScatteringByMoreThan5Percent() {
        // The last rounds of a run whose JIT was done: 463 to 536 writes/s, no three in a row within 5%.
        assertThat(WarmUp.stoppedClimbing(List.of(463.0, 528.0, 533.0, 486.0, 463.0, 536.0))).isTrue();
    }

    @Test
    void shouldNotJudgeFewerThanSixRounds() {
        assertThat(WarmUp.stoppedClimbing(List.of(330.0, 330.0, 330.0, 330.0, 330.0))).isFalse();
    }

    @Test
    void shouldNotCallRatesWithoutAnyAnswerSettled() {
        assertThat(WarmUp.stoppedClimbing(List.of(0.0, 0.0, 0.0, 0.0, 0.0, 0.0))).isFalse();
    }

    @Test
    void shouldGoOnWhileTheRestOfTheRunStillFitsInFifteenMinutes() {
        // Demo up after 80 s: 100 s of warm-up, then another 19 s round, then the 620 s the rest takes: 819 s.
        assertThat(WarmUp.endAfterRound(seconds(100), seconds(180), seconds(19))).isEqualTo(End.NOT_YET);
    }

    @Test
    void shouldEndEarlyWhenAnotherRoundWouldTakeTheRunPastFifteenMinutes() {
        // A slow day: demo up after 127 s; 270 s + 19 s + 620 s = 909 s.
        assertThat(WarmUp.endAfterRound(seconds(143), seconds(270), seconds(19))).isEqualTo(End.BUDGET);
    }

    @Test
    void shouldNotEndBeforeItsMinimumEvenWhenTheDemoStartedSlowly() {
        assertThat(WarmUp.endAfterRound(seconds(80), seconds(330), seconds(19))).isEqualTo(End.NOT_YET);
        assertThat(WarmUp.endAfterRound(seconds(95), seconds(345), seconds(19))).isEqualTo(End.BUDGET);
    }

    @Test
    void shouldEndAtItsLimitWhateverTimeIsLeft() {
        assertThat(WarmUp.endAfterRound(seconds(240), seconds(250), seconds(19))).isEqualTo(End.LIMIT);
        assertThat(WarmUp.endAfterRound(seconds(239), seconds(249), seconds(19))).isEqualTo(End.NOT_YET);
    }

    private static Duration seconds(long seconds) {
        return Duration.ofSeconds(seconds);
    }

}
