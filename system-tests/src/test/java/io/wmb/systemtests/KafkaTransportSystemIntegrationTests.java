package io.wmb.systemtests;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.wmb.proto.v1.FetchRequest;
import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.ProcessorGrpc;
import io.wmb.proto.v1.WriteKind;
import io.wmb.systemtests.faults.FaultDemo;
import io.wmb.systemtests.faults.WriteChecker;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The message-queue transport, end to end: both datacenters started as {@code WMB_TRANSPORT=kafka ./wmb up} starts
 * them (a real Kafka broker per datacenter, reship -> local topic -> bridge through the link -> the peer's topic ->
 * collector), passing the same convergence checks as the default gRPC transport. Runs in a JVM of its own, after the
 * gRPC demo's tests (pom: execution {@code kafka-transport}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaTransportSystemIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final Pattern COUNT = Pattern.compile("\"count\"\\s*:\\s*(\\d+)");

    private static RunningDemo running;

    private static FaultDemo demo;

    @BeforeAll
    static void startBothDatacentersWithKafka() {
        running = RunningDemo.shared("kafka");
        demo = new FaultDemo(RunningDemo.PORT_OFFSET);
    }

    @Test
    @Order(0)
    void shouldStartReshipAndCollectorWithoutTheAheadOfTimeDefinitionsBuiltForGrpc() {
        for (String dc : List.of("unicom", "telecom")) {
            assertThat(running.log("reship-" + dc)).as("reship-" + dc).contains("Starting ReshipApplication")
                .doesNotContain("AOT-processed");
            assertThat(running.log("collector-" + dc)).as("collector-" + dc).contains("Starting CollectorApplication")
                .doesNotContain("AOT-processed");
            assertThat(running.log("processor-" + dc)).as("processor-" + dc).contains("Starting AOT-processed");
        }
    }

    @Test
    @Order(1)
    void shouldReadInEachDatacenterWhatTheOtherAccepted() {
        long author = 40_000_000L + System.nanoTime() % 1_000_000;
        // Straight to each datacenter's gateway: the edge may fail over to the other one on a loaded machine.
        HttpResponse<String> north = createIn("unicom", author, "north, by Kafka");
        HttpResponse<String> south = createIn("telecom", author, "south, by Kafka");
        long northId = JSON.readTree(north.body()).get("id").asLong();
        long southId = JSON.readTree(south.body()).get("id").asLong();

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(content(demo.gateway("telecom", "/api/posts/" + northId))).isEqualTo("north, by Kafka");
            assertThat(content(demo.gateway("unicom", "/api/posts/" + southId))).isEqualTo("south, by Kafka");
        });
    }

    @Test
    @Order(2)
    void shouldLoseNothingWhenTheLinkIsCutAndHealedUnderWritesInBothDatacenters() {
        WriteChecker checker = new WriteChecker(demo, "Kafka transport: link cut, healed", 2, Duration.ofMillis(20));
        checker.start();
        await().atMost(Duration.ofMinutes(1)).until(() -> checker.acknowledged() >= 20);
        demo.cutLink();
        try {
            pause(Duration.ofSeconds(10));
        }
        finally {
            demo.healLink();
        }
        pause(Duration.ofSeconds(3));
        checker.stop();

        WriteChecker.Result result = checker.awaitConvergence(Duration.ofMinutes(2));

        assertThat(result.writesAcknowledged()).as("acknowledged writes").isGreaterThan(20);
        assertThat(result.lost()).as("lost writes: %s", result.details()).isZero();
        assertThat(result.staleOverwrites()).as("stale overwrites: %s", result.details()).isZero();
        assertThat(result.converged()).as("both datacenters converged: %s", result.details()).isNotNull();
    }

    @Test
    @Order(3)
    void shouldNeverLetADuplicatedOrOlderRecordInTheTopicOverwriteNewerData() throws Exception {
        long author = 41_000_000L + System.nanoTime() % 1_000_000;
        long id = create("north", author, "first");
        assertThat(send("PUT", demo.edge("/api/posts/" + id), "{\"content\":\"second\"}").statusCode()).isEqualTo(200);
        HttpResponse<String> third = send("PUT", demo.edge("/api/posts/" + id), "{\"content\":\"third\"}");
        assertThat(third.statusCode()).isEqualTo(200);
        long newest = JSON.readTree(third.body()).get("version").asLong();
        await().atMost(Duration.ofSeconds(60)).until(() -> version(demo.processor("telecom", "/api/posts/" + id))
                == newest);

        PostWrite current = fetchFromUnicom(id);
        String prefix = "kafka-replay-" + id + "-";
        // Newest first, then ever older, each twice: what a bridge that retried, or a replay of the topic, leaves.
        List<PostWrite> replay = List.of(
                current.toBuilder().setRequestId(prefix + "duplicate").setKind(WriteKind.WRITE_KIND_UPDATE).build(),
                current.toBuilder().setRequestId(prefix + "older-delete").setKind(WriteKind.WRITE_KIND_DELETE)
                    .setDeleted(true).setContent("").setVersion(newest - 16).build(),
                current.toBuilder().setRequestId(prefix + "older-update").setKind(WriteKind.WRITE_KIND_UPDATE)
                    .setContent("an old edit arriving late").setVersion(newest - 32).build());
        try (KafkaProducer<Long, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + demo.port("telecom", 9301),
                ProducerConfig.ACKS_CONFIG, "all"), new LongSerializer(), new ByteArraySerializer())) {
            for (int round = 0; round < 2; round++) {
                for (PostWrite write : replay) {
                    producer.send(new ProducerRecord<>("wmb-inbound-unicom", write.getPostId(), write.toByteArray()))
                        .get(10, TimeUnit.SECONDS);
                }
            }
        }

        // Telecom's collector consumed them all (COLLECTED in the processing log) ...
        await().atMost(Duration.ofSeconds(60)).until(() -> collectedInTelecom(prefix) == replay.size());
        // ... and both datacenters still hold the newest state.
        for (String dc : FaultDemo.DATACENTERS) {
            HttpResponse<String> read = get(demo.processor(dc, "/api/posts/" + id));
            assertThat(read.statusCode()).as(dc).isEqualTo(200);
            JsonNode post = JSON.readTree(read.body());
            assertThat(post.get("content").asString()).as(dc).isEqualTo("third");
            assertThat(post.get("version").asLong()).as(dc).isEqualTo(newest);
        }
    }

    private static long create(String region, long author, String content) {
        HttpResponse<String> created = running.send(HttpRequest.newBuilder(demo.edge("/api/posts"))
            .timeout(Duration.ofSeconds(20))
            .header("Content-Type", "application/json")
            .header("X-Region", region)
            .POST(HttpRequest.BodyPublishers.ofString("{\"authorId\":" + author + ",\"content\":\"" + content + "\"}"))
            .build());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return JSON.readTree(created.body()).get("id").asLong();
    }

    @Test
    @Order(4)
    void shouldHaveCarriedTheWritesOfBothDatacentersThroughTheBrokers() {
        // After the writes of the tests above (a write whose hand-off to reship failed while the demo was still
        // warming up is the reconciler's, not the transport's): both bridges and both collectors have worked.
        for (String dc : FaultDemo.DATACENTERS) {
            String reship = get(URI.create("http://127.0.0.1:" + demo.port(dc, 8111) + "/actuator/health")).body();
            String collector = get(URI.create("http://127.0.0.1:" + demo.port(dc, 8121) + "/actuator/health")).body();
            assertThat(reship).as(dc).contains("\"transport\":\"kafka\"", "\"lastBridgedAt\":\"20")
                .doesNotContain("\"forwarder\"");
            assertThat(collector).as(dc).contains("\"topic\":\"wmb-inbound-", "\"lastAppliedAt\":\"20");
        }
    }

    private static HttpResponse<String> createIn(String datacenter, long author, String content) {
        HttpResponse<String> created = running.send(HttpRequest.newBuilder(demo.gateway(datacenter, "/api/posts"))
            .timeout(Duration.ofSeconds(20))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"authorId\":" + author + ",\"content\":\"" + content + "\"}"))
            .build());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.headers().firstValue("X-WMB-Datacenter")).hasValue(datacenter);
        return created;
    }

    private static long count(String query) {
        HttpResponse<String> response = running.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + (9200 + RunningDemo.PORT_OFFSET) + "/wmb-processing-log-*/_count?allow_no_indices=true"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(query))
            .build());
        Matcher matcher = COUNT.matcher(response.body());
        return (response.statusCode() == 200 && matcher.find()) ? Long.parseLong(matcher.group(1)) : 0;
    }

    private static PostWrite fetchFromUnicom(long id) throws InterruptedException {
        ManagedChannel processor = NettyChannelBuilder.forAddress("127.0.0.1", demo.processorGrpcPort("unicom"))
            .usePlaintext()
            .build();
        try {
            return ProcessorGrpc.newBlockingStub(processor)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .fetch(FetchRequest.newBuilder().setPostId(id).build())
                .getState();
        }
        finally {
            processor.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** How many of the replayed requestIds telecom recorded as COLLECTED (one document per requestId and stage). */
    private static long collectedInTelecom(String prefix) {
        String query = """
                {"query": {"bool": {"filter": [{"prefix": {"requestId": "%s"}}, {"term": {"datacenter": "telecom"}},
                  {"term": {"stage": "COLLECTED"}}]}}}
                """.formatted(prefix);
        return count(query);
    }

    private static String content(URI uri) {
        HttpResponse<String> read = get(uri);
        return (read.statusCode() == 200) ? JSON.readTree(read.body()).get("content").asString() : null;
    }

    private static long version(URI uri) {
        HttpResponse<String> read = get(uri);
        return (read.statusCode() == 200) ? JSON.readTree(read.body()).get("version").asLong() : 0;
    }

    private static HttpResponse<String> get(URI uri) {
        return running.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).GET().build());
    }

    private static HttpResponse<String> send(String method, URI uri, String body) {
        return running.send(HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(20))
            .header("Content-Type", "application/json")
            .header("X-Region", "north")
            .method(method, HttpRequest.BodyPublishers.ofString(body))
            .build());
    }

    /** The fault lasts this long while the writers keep writing: a wall-clock wait is the point here. */
    private static void pause(Duration duration) {
        long until = System.nanoTime() + duration.toNanos();
        await().atMost(duration.plusSeconds(5)).pollInterval(Duration.ofMillis(200))
            .until(() -> System.nanoTime() >= until);
    }

}
