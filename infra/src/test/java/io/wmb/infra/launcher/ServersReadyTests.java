package io.wmb.infra.launcher;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ServersReadyTests {

    @Test
    void shouldStartTheServicesWhenTheLastNeededServerIsReadyAndNeverAgain() {
        AtomicInteger starts = new AtomicInteger();
        ServersReady gate = new ServersReady(3, starts::incrementAndGet);

        assertThat(gate.ready("mariadb-unicom")).isFalse();
        assertThat(gate.ready("mariadb-unicom")).isFalse();
        assertThat(gate.ready("redis-unicom")).isFalse();
        assertThat(starts).hasValue(0);
        assertThat(gate.ready("redis-telecom")).isTrue();
        assertThat(gate.ready("mariadb-telecom")).isFalse();
        assertThat(gate.ready("redis-telecom")).isFalse();
        assertThat(starts).hasValue(1);
    }

    @Test
    void shouldStartTheServicesOnceWhenTheLastTwoServersReportAtTheSameMoment() throws Exception {
        // Two threads walk the same gates in lockstep (each spins until the other has reached the same gate), each
        // reporting one of the two servers a gate waits for: both reports reach a gate within the same moment.
        int gates = 20_000;
        AtomicIntegerArray starts = new AtomicIntegerArray(gates);
        List<ServersReady> all = new ArrayList<>();
        for (int i = 0; i < gates; i++) {
            int gate = i;
            all.add(new ServersReady(2, () -> starts.incrementAndGet(gate)));
        }
        AtomicInteger arrived = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> walks = new ArrayList<>();
            for (String server : List.of("kafka-unicom", "kafka-telecom")) {
                walks.add(threads.submit(() -> {
                    for (int i = 0; i < gates; i++) {
                        arrived.incrementAndGet();
                        while (arrived.get() < 2 * (i + 1)) {
                            Thread.onSpinWait();
                        }
                        all.get(i).ready(server);
                    }
                    return null;
                }));
            }
            for (Future<?> walk : walks) {
                walk.get();
            }
        }
        finally {
            threads.shutdownNow();
        }

        for (int i = 0; i < gates; i++) {
            assertThat(starts.get(i)).as("starts of gate %d", i).isEqualTo(1);
        }
    }

    @Test
    void shouldRefuseToWaitForNoServer() {
        assertThatIllegalArgumentException().isThrownBy(() -> new ServersReady(0, () -> { }))
            .withMessageContaining("at least 1");
    }
}
