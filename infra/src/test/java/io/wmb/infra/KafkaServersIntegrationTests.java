package io.wmb.infra;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Both datacenters' real Kafka brokers: local clients use the local listener, the other datacenter goes through the
 * link (the broker advertises the link's route on its peer listener), so a cut link stops it.
 */
class KafkaServersIntegrationTests {

    private static LinkSimulator link;

    private static KafkaServers kafka;

    /** Listens on the first port drawn for the brokers, as another process that drew it too would. */
    private static ServerSocket squatter;

    @BeforeAll
    static void startBrokers() throws IOException {
        Path dataDir = Path.of("target", "kafka-it-" + ProcessHandle.current().pid()).toAbsolutePath();
        link = new LinkSimulator();
        squatter = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Iterator<Integer> draws = IntStream.iterate(squatter.getLocalPort(), (port) -> LocalPorts.free()).iterator();
        // The brokers start on the second draw's ports: every test below runs against brokers started again.
        kafka = KafkaServers.startEphemeral(dataDir, link, ServerListener.NONE, draws::next);
    }

    @AfterAll
    static void stopBrokers() throws IOException {
        if (kafka != null) {
            kafka.close();
        }
        link.close();
        squatter.close();
    }

    @Test
    void shouldStartOnOtherPortsWhenADrawnPortWasTakenBeforeTheBrokerBoundIt() {
        assertThat(Arrays.stream(Datacenter.values()).map(kafka::port)).doesNotContain(squatter.getLocalPort())
            .allSatisfy((port) -> assertThat(LocalPorts.isListening(port)).isTrue());
        assertThat(link.routes()).extracting(LinkSimulator.RouteInfo::name)
            .containsExactlyInAnyOrder("kafka-unicom", "kafka-telecom");
    }

    @AfterEach
    void healTheLink() {
        link.heal();
    }

    @Test
    void shouldDeliverThroughTheLinkWhatTheOtherDatacenterProduced() throws Exception {
        String topic = "probe-" + UUID.randomUUID();
        try (KafkaProducer<String, String> remote = producer(kafka.peerBootstrapServers(Datacenter.TELECOM))) {
            remote.send(new ProducerRecord<>(topic, "post-1", "written in unicom")).get(30, TimeUnit.SECONDS);
        }

        assertThat(consume(kafka.bootstrapServers(Datacenter.TELECOM), topic, 1)).containsExactly("written in unicom");
    }

    @Test
    void shouldNotReachTheOtherDatacentersBrokerWhileTheLinkIsCut() throws Exception {
        String topic = "probe-" + UUID.randomUUID();
        try (KafkaProducer<String, String> remote = producer(kafka.peerBootstrapServers(Datacenter.UNICOM))) {
            // Connected and metadata known before the cut: afterwards only the advertised route could be used.
            remote.send(new ProducerRecord<>(topic, "post-1", "before the cut")).get(30, TimeUnit.SECONDS);
            link.cut();

            assertThatThrownBy(() -> remote.send(new ProducerRecord<>(topic, "post-1", "during the cut"))
                .get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);

            link.heal();
            remote.send(new ProducerRecord<>(topic, "post-1", "after the heal")).get(30, TimeUnit.SECONDS);
        }

        List<String> values = consume(kafka.bootstrapServers(Datacenter.UNICOM), topic, 2);
        assertThat(values).startsWith("before the cut").endsWith("after the heal");
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 6000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000, ProducerConfig.LINGER_MS_CONFIG, 0),
                new StringSerializer(), new StringSerializer());
    }

    private static List<String> consume(String bootstrap, String topic, int atLeast) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.GROUP_ID_CONFIG, "probe-" + topic,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.size() < atLeast && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    values.add(record.value());
                }
            }
        }
        return values;
    }

}
