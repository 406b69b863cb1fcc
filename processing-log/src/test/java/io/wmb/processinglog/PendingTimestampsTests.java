package io.wmb.processinglog;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PendingTimestampsTests {

    private final PendingTimestamps pending = new PendingTimestamps();

    @Test
    void shouldAnswerNoneWhenNothingIsHeld() {
        assertThat(this.pending.oldestMillis()).isEqualTo(PendingTimestamps.NONE);
    }

    @Test
    void shouldAnswerOldestWhateverTheOrderOfArrival() {
        hold(300, 100, 200);

        assertThat(this.pending.oldestMillis()).isEqualTo(100);
        this.pending.remove(at(100));
        assertThat(this.pending.oldestMillis()).isEqualTo(200);
    }

    @Test
    void shouldHoldMillisecondUntilEveryRecordOfItIsGone() {
        hold(100, 100, 500);

        this.pending.remove(at(100));
        assertThat(this.pending.oldestMillis()).isEqualTo(100);
        this.pending.remove(at(100));
        assertThat(this.pending.oldestMillis()).isEqualTo(500);
        this.pending.remove(at(500));
        assertThat(this.pending.oldestMillis()).isEqualTo(PendingTimestamps.NONE);
    }

    @Test
    void shouldStayExactWhenThreadsAddAndRemoveTheSameMillisecondsAtOnce() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                done.add(threads.submit(() -> {
                    for (int i = 0; i < 20_000; i++) {
                        this.pending.add(at(i % 7));
                        this.pending.remove(at(i % 7));
                    }
                }));
            }
            this.pending.add(at(3));
            for (Future<?> future : done) {
                future.get();
            }
        }
        finally {
            threads.shutdownNow();
        }

        assertThat(this.pending.oldestMillis()).isEqualTo(3);
        this.pending.remove(at(3));
        assertThat(this.pending.oldestMillis()).isEqualTo(PendingTimestamps.NONE);
    }

    private void hold(long... millis) {
        for (long each : millis) {
            this.pending.add(at(each));
        }
    }

    private static Instant at(long millis) {
        return Instant.ofEpochMilli(millis);
    }

}
