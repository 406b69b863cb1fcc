package io.wmb.reship.kafka;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wmb.proto.v1.PostWrite;
import io.wmb.reship.config.ReshipProperties;
import io.wmb.reship.outbox.Outbox;
import io.wmb.reship.support.Writes;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The first hop of the Kafka transport against Kafka's own {@link MockProducer}, which acknowledges (or refuses) only
 * when told: what leaves the outbox, and when. The real brokers are in the collector's integration tests.
 */
class OutboxPublisherTests {

    @TempDir
    Path dir;

    private final MockProducer<Long, byte[]> producer = new MockProducer<>(false, null, new LongSerializer(),
            new ByteArraySerializer());

    @Test
    void shouldDeleteWritesFromTheOutboxOnlyOnceTheBrokerAcknowledgedThem() throws Exception {
        try (Outbox outbox = new Outbox(this.dir, 1000, 100); OutboxPublisher publisher = publisher(outbox)) {
            List<PostWrite> writes = List.of(Writes.updateInUnicom(10, 1), Writes.updateInUnicom(20, 1),
                    Writes.updateInUnicom(10, 2));
            publisher.start();
            outbox.append(writes).get();

            await().atMost(Duration.ofSeconds(10)).until(() -> this.producer.history().size() == 3);
            assertThat(outbox.depth()).isEqualTo(3);
            assertThat(this.producer.history()).extracting((record) -> record.key()).containsExactly(10L, 20L, 10L);
            assertThat(this.producer.history()).allSatisfy((record) -> assertThat(record.topic())
                .isEqualTo("wmb-outbound-unicom"));

            while (this.producer.completeNext()) {
                // Acknowledge every record sent.
            }

            await().atMost(Duration.ofSeconds(10)).until(() -> outbox.depth() == 0);
            assertThat(publisher.lastPublishedAtMillis()).isPositive();
        }
    }

    @Test
    void shouldSendARefusedRoundAgainFromItsOldestWrite() throws Exception {
        try (Outbox outbox = new Outbox(this.dir, 1000, 100); OutboxPublisher publisher = publisher(outbox)) {
            PostWrite first = Writes.updateInUnicom(10, 1);
            PostWrite second = Writes.updateInUnicom(10, 2);
            publisher.start();
            outbox.append(List.of(first, second)).get();
            await().atMost(Duration.ofSeconds(10)).until(() -> this.producer.history().size() == 2);

            this.producer.errorNext(new NotEnoughReplicasException("broker refused"));
            this.producer.completeNext();

            await().atMost(Duration.ofSeconds(10)).until(() -> this.producer.history().size() == 4);
            assertThat(outbox.depth()).isEqualTo(2);
            assertThat(this.producer.history().subList(2, 4)).extracting((record) -> PostWrite.parseFrom(record.value()))
                .containsExactly(first, second);
            while (this.producer.completeNext()) {
                // Acknowledge the second round.
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> outbox.depth() == 0);
        }
    }

    private OutboxPublisher publisher(Outbox outbox) {
        return new OutboxPublisher(outbox, this.producer, "unicom", new ReshipProperties.Kafka("unused:9092",
                "unused:9093", 500, Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofMillis(10),
                Duration.ofMillis(50)), new SimpleMeterRegistry(), Clock.systemUTC());
    }

}
