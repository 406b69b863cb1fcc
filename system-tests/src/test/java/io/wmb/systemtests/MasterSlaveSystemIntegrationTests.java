package io.wmb.systemtests;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import io.wmb.infra.tour.Tour;
import io.wmb.infra.tour.TourSettings;
import io.wmb.infra.tour.TourStep;
import io.wmb.systemtests.faults.FaultDemo;
import io.wmb.systemtests.faults.WriteChecker;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Master-slave mode ({@code WMB_TOPOLOGY=master-slave}) end to end, on a demo of its own started as
 * {@code ./wmb up} does: the same convergence checks as the default mode (a write read in the other datacenter, a link
 * cut and heal under continuous writes in both regions with nothing acknowledged lost, no stale overwrite, both
 * datacenters' MySQL and Redis identical afterwards), plus what differs: every write is applied by unicom's processor,
 * and while the link is cut the south's writes are refused with 503 and its reads are still served.
 *
 * <p>Tagged {@code master-slave}: the build runs it in a JVM of its own (failsafe execution {@code master-slave}), so
 * that its demo never runs beside the shared one.
 */
@Tag("master-slave")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MasterSlaveSystemIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static RunningDemo demo;

    private static FaultDemo ports;

    @BeforeAll
    static void startBothDatacentersInMasterSlaveMode() {
        demo = RunningDemo.masterSlave();
        ports = new FaultDemo(demo.portOffset());
    }

    @Test
    @Order(1)
    void shouldApplyASouthernWriteAtTheMasterAndServeItInBothDatacentersAtOnce() {
        long author = randomAuthor();
        HttpResponse<String> created = send("POST", ports.edge("/api/posts"), "south",
                "{\"authorId\":" + author + ",\"content\":\"hello from the south\"}");

        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.headers().firstValue("X-WMB-Datacenter")).hasValue("unicom");
        long id = json(created).get("id").asLong();
        String requestId = created.headers().firstValue("X-Request-Id").orElseThrow();

        // No waiting: the master wrote telecom's cache before it answered.
        HttpResponse<String> south = send("GET", ports.gateway("telecom", "/api/posts/" + id), null, null);
        assertThat(south.statusCode()).isEqualTo(200);
        assertThat(south.headers().firstValue("X-WMB-Datacenter")).hasValue("telecom");
        assertThat(json(south).get("content").asString()).isEqualTo("hello from the south");
        HttpResponse<String> north = send("GET", ports.gateway("unicom", "/api/posts/" + id), null, null);
        assertThat(json(north).get("content").asString()).isEqualTo("hello from the south");

        // Accepted and applied in unicom only; reship still carries it to telecom, whose collector finds it there
        // already (DUPLICATE: the master's direct cache write came first) or applies it.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(demo.stagesOf(requestId))
            .contains("unicom/ACCEPTED/OK", "unicom/LOCAL_APPLIED/OK", "unicom/RESHIPPED/OK")
            .containsAnyOf("telecom/COLLECTED/DUPLICATE", "telecom/COLLECTED/OK")
            .containsAnyOf("telecom/REMOTE_APPLIED/DUPLICATE", "telecom/REMOTE_APPLIED/OK")
            .noneMatch((stage) -> stage.startsWith("telecom/ACCEPTED") || stage.startsWith("telecom/LOCAL_APPLIED")
                    || stage.endsWith("/FAILED")));
    }

    @Test
    @Order(2)
    void shouldRefuseTheSouthsWritesDuringALinkCutAndLoseNothingAcknowledged() {
        WriteChecker checker = new WriteChecker(ports, "master-slave link cut", 2, Duration.ofMillis(20));
        checker.start();
        await().atMost(Duration.ofMinutes(1)).until(() -> checker.acknowledged() >= 20);
        long shared = json(send("POST", ports.edge("/api/posts"), "north",
                "{\"authorId\":" + randomAuthor() + ",\"content\":\"read during the cut\"}")).get("id").asLong();
        List<HttpResponse<String>> southern = new ArrayList<>();
        ports.cutLink();
        try {
            // A write caught in the cut waits for its timeout; the health check then takes the master out.
            await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
                HttpResponse<String> refused = send("POST", ports.edge("/api/posts"), "south",
                        "{\"authorId\":" + randomAuthor() + ",\"content\":\"south during the cut\"}");
                southern.add(refused);
                assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            });
            HttpResponse<String> refused = southern.get(southern.size() - 1);
            assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(
                    (type) -> assertThat(type).startsWith("application/problem+json"));
            assertThat(json(refused).get("detail").asString()).contains("master datacenter (unicom)");
            HttpResponse<String> north = send("POST", ports.edge("/api/posts"), "north",
                    "{\"authorId\":" + randomAuthor() + ",\"content\":\"north during the cut\"}");
            assertThat(north.statusCode()).as(north.body()).isEqualTo(201);
            HttpResponse<String> read = send("GET", ports.edge("/api/posts/" + shared), "south", null);
            assertThat(read.statusCode()).isEqualTo(200);
            assertThat(read.headers().firstValue("X-WMB-Datacenter")).hasValue("telecom");
            assertThat(send("GET", ports.gateway("telecom", "/ops/writes"), null, null).body())
                .contains("\"acceptsWrites\":false");
            // The writers keep going for a few seconds into the refusal.
            long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            await().atMost(Duration.ofSeconds(10)).until(() -> System.nanoTime() >= until);
        }
        finally {
            ports.healLink();
        }
        await().atMost(Duration.ofSeconds(40)).until(() -> send("POST", ports.edge("/api/posts"), "south",
                "{\"authorId\":" + randomAuthor() + ",\"content\":\"south after the heal\"}").statusCode() == 201);
        checker.stop();

        WriteChecker.Result result = checker.awaitConvergence(Duration.ofSeconds(120));
        System.out.println("master-slave link cut: " + result + "; probe writes in the south during the cut: "
                + southern.size() + ", answered " + southern.stream().map(HttpResponse::statusCode).toList());

        assertThat(result.writesAcknowledged()).as("acknowledged writes").isGreaterThan(20);
        assertThat(result.lost()).as("lost writes: %s", result.details()).isZero();
        assertThat(result.staleOverwrites()).as("stale overwrites: %s", result.details()).isZero();
        assertThat(result.converged()).as("both datacenters converged: %s", result.details()).isNotNull();
    }

    @Test
    @Order(3)
    void shouldPassTheMasterSlaveTour() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

        List<TourStep> steps = new Tour(TourSettings.forOffset(demo.portOffset()), out).run();

        System.out.print(printed.toString(StandardCharsets.UTF_8));
        assertThat(steps).extracting(TourStep::name).containsExactly("everything is up and routes plainly",
                "write in the north, read in the south", "shift 30% of the north to telecom",
                "master-slave: a southern write goes to the master (unicom)",
                "master-slave: cut the link, the south's writes are refused, heal", "put the demo back as it was");
        assertThat(steps).allSatisfy((step) -> assertThat(step.passed())
            .as("%s: %s", step.name(), step.detail())
            .isTrue());
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("Topology: master-slave")
            .contains("-> 503 from telecom");
    }

    private static HttpResponse<String> send(String method, URI uri, String region, String body) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15));
        if (region != null) {
            builder.header("X-Region", region).header("X-User-Id", Long.toString(randomAuthor()));
        }
        if (body != null) {
            builder.header("Content-Type", "application/json");
        }
        builder.method(method, (body != null) ? HttpRequest.BodyPublishers.ofString(body)
                : HttpRequest.BodyPublishers.noBody());
        return demo.send(builder.build());
    }

    private static JsonNode json(HttpResponse<String> response) {
        return JSON.readTree(response.body());
    }

    private static long randomAuthor() {
        return ThreadLocalRandom.current().nextLong(1, 1_000_000);
    }

}
