package io.wmb.gateway.it;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.wmb.gateway.routing.ProxyHeadersFilter;
import io.wmb.infra.LocalPorts;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * The edge and both datacenter gateways, running for real in front of real HTTP servers standing in for
 * the processors.
 */
class GatewayIntegrationTests {

    private static final Logger logger = LoggerFactory.getLogger(GatewayIntegrationTests.class);

    private static final Map<String, String> OPERATOR = Map.of("Authorization", "Bearer " + GatewayTopology.TOKEN);

    private final GatewayTopology topology = GatewayTopology.shared();

    private final String edge = this.topology.edgeUri();

    // Users are unique per test so that neither stickiness nor the rate limit carries over between tests.
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @BeforeEach
    void resetSettings() {
        setShift("north", 0);
        setShift("south", 0);
        drain("unicom", false);
        drain("telecom", false);
        setRemoteWeight("unicom", 0);
        setRemoteWeight("telecom", 0);
        this.topology.unicomProcessor.start();
        awaitHealthy();
    }

    @Nested
    class RegionRouting {

        @Test
        void shouldSendTheNorthToUnicomAndTheSouthToTelecomByHeader() {
            Http.Response north = Http.get(edge + "/api/posts/1", user("n1", "north"));
            Http.Response south = Http.get(edge + "/api/posts/1", user("s1", "south"));
            assertThat(north.status()).isEqualTo(200);
            assertThat(north.header("X-WMB-Datacenter")).isEqualTo("unicom");
            assertThat(north.body()).contains("unicom-processor");
            assertThat(south.header("X-WMB-Datacenter")).isEqualTo("telecom");
            assertThat(south.body()).contains("telecom-processor");
        }

        @Test
        void shouldFindTheRegionFromTheClientAddress() {
            Map<String, String> headers = Map.of("X-User-Id", run + "-addr");
            assertThat(Http.getFrom("127.0.0.1", edge + "/api/posts/2", headers).header("X-WMB-Datacenter"))
                .isEqualTo("unicom");
            assertThat(Http.getFrom("127.0.0.200", edge + "/api/posts/2", headers).header("X-WMB-Datacenter"))
                .isEqualTo("telecom");
        }

        @Test
        void shouldRefuseAnUnknownRegionWithAProblem() {
            Http.Response response = Http.get(edge + "/api/posts/1", user("x", "east"));
            assertThat(response.status()).isEqualTo(400);
            assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(response.body()).contains("'east'");
            assertThat(response.header("X-Request-Id")).isNotBlank();
        }

        @Test
        void shouldRefuseAMalformedRequestId() {
            Map<String, String> headers = new HashMap<>(user("bad-rid", "north"));
            headers.put("X-Request-Id", "no spaces or <tags>");
            Http.Response response = Http.get(edge + "/api/posts/1", headers);
            assertThat(response.status()).isEqualTo(400);
            assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(response.body()).contains("X-Request-Id");
        }

        @Test
        void shouldPassTheRequestIdThroughOrMakeOneMarkedAsMade() {
            Map<String, String> headers = new HashMap<>(user("rid", "north"));
            headers.put("X-Request-Id", "req-" + run);
            Http.Response given = Http.get(edge + "/api/posts/3", headers);
            assertThat(given.header("X-Request-Id")).isEqualTo("req-" + run);
            assertThat(given.body()).contains("\"requestId\":\"req-" + run + "\"")
                .contains("\"generated\":\"\"");

            Http.Response made = Http.get(edge + "/api/posts/3", user("rid", "north"));
            assertThat(made.header("X-Request-Id")).hasSize(36);
            // Through edge and gateway: the processor must not take a made id for the client's idempotency key.
            assertThat(made.body()).contains(made.header("X-Request-Id")).contains("\"generated\":\"true\"");
        }

    }

    @Nested
    class Ratios {

        @Test
        void shouldShiftTheConfiguredShareOfUsersAndKeepThemSticky() {
            setShift("north", 30);
            int users = 1_000;
            String[] first = new String[users];
            for (int i = 0; i < users; i++) {
                first[i] = Http.get(edge + "/api/posts/1", user("u" + i, "north")).header("X-WMB-Datacenter");
            }
            long telecom = java.util.Arrays.stream(first).filter("telecom"::equals).count();
            assertThat(telecom * 100.0 / users).isCloseTo(30, within(5.0));

            setShift("north", 50);
            int moved = 0;
            for (int i = 0; i < users; i++) {
                String now = Http.get(edge + "/api/posts/1", user("u" + i, "north")).header("X-WMB-Datacenter");
                if (!now.equals(first[i])) {
                    moved++;
                    assertThat(first[i]).as("raising the shift only moves users to telecom").isEqualTo("unicom");
                }
            }
            assertThat(moved * 100.0 / users).isCloseTo(20, within(5.0));
        }

        @Test
        void shouldSendTheRemoteWeightOfADatacenterGatewayAcross() {
            setRemoteWeight("unicom", 100);
            Http.Response response = Http.get(edge + "/api/posts/1", user("w1", "north"));
            assertThat(response.header("X-WMB-Datacenter")).isEqualTo("telecom");
            assertThat(response.body()).contains("telecom-processor");
        }

        @Test
        void shouldSpreadAndKeepStickyAnonymousClientsBehindTheEdgeByTheirOwnAddress() {
            // The unicom gateway sees every request come from the edge: it tells anonymous clients apart by the
            // address the edge names in X-Forwarded-For (and would rate-limit them as one client otherwise).
            setRemoteWeight("unicom", 50);
            Map<String, Integer> byDatacenter = new HashMap<>();
            for (int host = 10; host < 40; host++) {
                String address = "127.0.0." + host;
                Http.Response first = Http.getFrom(address, edge + "/api/posts/1", Map.of());
                Http.Response again = Http.getFrom(address, edge + "/api/posts/1", Map.of());
                assertThat(first.status()).isEqualTo(200);
                assertThat(again.header("X-WMB-Datacenter")).as("sticky: " + address)
                    .isEqualTo(first.header("X-WMB-Datacenter"));
                byDatacenter.merge(first.header("X-WMB-Datacenter"), 1, Integer::sum);
            }
            // 30 addresses at half and half: all on one side by chance is 2 in a billion.
            assertThat(byDatacenter).containsOnlyKeys("unicom", "telecom");
        }

        @Test
        void shouldRefuseAChangeWithoutOperatorToken() {
            Http.Response anonymous = Http.put(edge + "/ops/regions/north/shift", "{\"percent\":40}", Map.of());
            assertThat(anonymous.status()).isEqualTo(401);
            assertThat(anonymous.header("WWW-Authenticate")).startsWith("Bearer");
            assertThat(anonymous.header("Content-Type")).isEqualTo("application/problem+json");
            Http.Response wrong = Http.put(edge + "/ops/regions/north/shift", "{\"percent\":40}",
                    Map.of("Authorization", "Bearer not-the-token"));
            assertThat(wrong.status()).isEqualTo(401);
            Http.Response relayed = Http.put(edge + "/ops/datacenters/unicom/remote-weight", "{\"percent\":40}",
                    Map.of());
            assertThat(relayed.status()).isEqualTo(401);
            assertThat(Http.get(edge + "/ops/settings", Map.of()).body()).contains("\"north\":0.0");
        }

        @Test
        void shouldRefuseAnOutOfRangeRatio() {
            Http.Response response = Http.put(edge + "/ops/regions/north/shift", "{\"percent\":140}", OPERATOR);
            assertThat(response.status()).isEqualTo(400);
            assertThat(response.body()).contains("140");
        }

        @Test
        void shouldRecordEveryChangeInTheAuditLog() {
            setShift("south", 12);
            String audit = Http.get(edge + "/ops/audit?limit=5", Map.of()).body();
            assertThat(audit).contains("\"setting\":\"shiftPercent.south\"", "\"to\":12.0", "\"operator\":\"operator\"");
        }

    }

    @Nested
    class Failover {

        @Test
        void shouldMoveUsersToTheOtherDatacenterWhileTheirsIsDownAndBackAfterRecovery() {
            Map<String, String> north = user("f1", "north");
            assertThat(Http.get(edge + "/api/posts/1", north).header("X-WMB-Datacenter")).isEqualTo("unicom");

            long stopped = System.nanoTime();
            topology.unicomProcessor.stop();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                Http.Response response = Http.get(edge + "/api/posts/1", north);
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.header("X-WMB-Datacenter")).isEqualTo("telecom");
            });

            logger.info("north users reached telecom {} ms after unicom's processor stopped",
                    Duration.ofNanos(System.nanoTime() - stopped).toMillis());

            long restarted = System.nanoTime();
            topology.unicomProcessor.start();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(Http.get(edge + "/api/posts/1", north).header("X-WMB-Datacenter")).isEqualTo("unicom"));
            logger.info("north users were back on unicom {} ms after its processor restarted",
                    Duration.ofNanos(System.nanoTime() - restarted).toMillis());
        }

        @Test
        void shouldSendADatacenterGatewaysTrafficToTheOtherProcessorWhileItsOwnIsDown() {
            String unicomGateway = GatewayTopology.baseUri(topology.unicomGateway);
            Map<String, String> direct = Map.of("X-User-Id", run + "-direct");
            assertThat(Http.get(unicomGateway + "/api/posts/1", direct).header("X-WMB-Datacenter")).isEqualTo("unicom");

            long stopped = System.nanoTime();
            topology.unicomProcessor.stop();
            // The first request may find the dead processor itself: it is retried on the other one at once.
            Http.Response during = Http.get(unicomGateway + "/api/posts/1", direct);
            assertThat(during.status()).isEqualTo(200);
            assertThat(during.header("X-WMB-Datacenter")).isEqualTo("telecom");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                    Http.get(unicomGateway + "/actuator/health", Map.of()).status()).isEqualTo(503));
            logger.info("unicom gateway reported DOWN {} ms after its processor stopped",
                    Duration.ofNanos(System.nanoTime() - stopped).toMillis());

            topology.unicomProcessor.start();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                    Http.get(unicomGateway + "/api/posts/1", direct).header("X-WMB-Datacenter")).isEqualTo("unicom"));
        }

        @Test
        void shouldDrainADatacenterByHand() {
            Map<String, String> north = user("d1", "north");
            drain("unicom", true);
            assertThat(Http.get(edge + "/api/posts/1", north).header("X-WMB-Datacenter")).isEqualTo("telecom");
            drain("unicom", false);
            assertThat(Http.get(edge + "/api/posts/1", north).header("X-WMB-Datacenter")).isEqualTo("unicom");
        }

        @Test
        void shouldAnswerInItsOwnNameWhenNoUpstreamCanServe() {
            // Both upstreams are closed ports: refused (502) before the first health round, 503 after it.
            String gateway = GatewayTopology.baseUri(topology.datacenterGateway("telecom",
                    "http://127.0.0.1:" + closedPort(), "http://127.0.0.1:" + closedPort(),
                    topology.dataDir.resolve("dead-upstreams-" + run)));
            for (int i = 0; i < 3; i++) {
                Http.Response response = Http.post(gateway + "/api/posts", Map.of("X-User-Id", run + "-writer"));
                assertThat(response.status()).isIn(502, 503);
                assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
                assertThat(response.header("X-WMB-Datacenter")).isEqualTo("telecom");
            }
            assertThat(Http.get(gateway + "/actuator/health", Map.of()).status()).isEqualTo(503);
        }

        @Test
        void shouldAnswerGatewayTimeoutWhenTheUpstreamDoesNotAnswerInTime() {
            String gateway = GatewayTopology.baseUri(topology.datacenterGateway("unicom",
                    topology.unicomProcessor.uri(), topology.telecomProcessor.uri(),
                    topology.dataDir.resolve("slow-upstream-" + run), "--wmb.gateway.proxy.response-timeout=1s"));
            long started = System.nanoTime();
            Http.Response response = Http.get(gateway + "/api/slow/1", Map.of("X-User-Id", run + "-patient"));
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertThat(response.status()).isEqualTo(504);
            assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(response.header("X-WMB-Datacenter")).isEqualTo("unicom");
            assertThat(took).isLessThan(FakeProcessor.SLOW);
        }

        @Test
        void shouldAnswerServiceUnavailableWhenBothAreDrained() {
            drain("unicom", true);
            drain("telecom", true);
            Http.Response response = Http.get(edge + "/api/posts/1", user("d2", "north"));
            assertThat(response.status()).isEqualTo(503);
            assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
        }

    }

    @Nested
    class Headers {

        @Test
        void shouldKeepHopByHopAndClientForwardedHeadersOffTheUpstreamAndPassTheRest() {
            Map<String, String> headers = new HashMap<>(user("h1", "north"));
            headers.putAll(Map.of("Connection", "keep-alive, X-Private-Hop", "X-Private-Hop", "1",
                    "Proxy-Authorization", "Basic c2VjcmV0", "Forwarded", "for=203.0.113.9",
                    "X-Forwarded-For", "203.0.113.9", "X-Forwarded-Host", "evil.example", "X-Custom", "kept"));
            Http.Response response = Http.get(edge + "/api/posts/1", headers);

            assertThat(response.status()).isEqualTo(200);
            Map<String, List<String>> seen = topology.unicomProcessor.lastHeaders();
            assertThat(seen).doesNotContainKeys("x-private-hop", "proxy-authorization", "forwarded",
                    "x-forwarded-for", "x-forwarded-host");
            assertThat(seen.get("x-custom")).containsExactly("kept");
            assertThat(seen.get("x-user-id")).containsExactly(run + "-h1");
        }

        @Test
        void shouldFilterHeadersInOnePassInsteadOfSpringCloudGatewaysCopyingFilters() {
            for (ConfigurableApplicationContext gateway : List.of(topology.edge, topology.unicomGateway)) {
                assertThat(gateway.getBeansOfType(HttpHeadersFilter.class).values()).hasSize(2)
                    .allMatch(ProxyHeadersFilter.class::isInstance);
            }
        }

        @Test
        void shouldKeepTheUpstreamsHopByHopHeadersOffTheAnswer() {
            Http.Response response = Http.get(edge + "/api/posts/1", user("h2", "north"));

            assertThat(response.header("X-Processor")).isEqualTo("unicom-processor");
            assertThat(response.header("Proxy-Authenticate")).isNull();
        }

    }

    @Nested
    class Persistence {

        @Test
        void shouldKeepSettingsAcrossAnEdgeRestart() {
            Path dataDir = topology.dataDir.resolve("restarted-edge-" + run);
            List<String> args = new ArrayList<>(topology.edgeArguments(dataDir));
            args.remove("--server.port=0");
            try (GatewayProcess first = GatewayProcess.start(dataDir.resolve("first.log"), args)) {
                assertThat(Http.put(first.uri() + "/ops/regions/south/shift", "{\"percent\":35}", OPERATOR).status())
                    .isEqualTo(200);
            }
            try (GatewayProcess second = GatewayProcess.start(dataDir.resolve("second.log"), args)) {
                assertThat(Http.get(second.uri() + "/ops/settings", Map.of()).body()).contains("\"south\":35.0");
                assertThat(Http.get(second.uri() + "/ops/audit", Map.of()).body()).contains("\"to\":35.0");
                Http.Response routed = Http.get(second.uri() + "/api/posts/1", user("p1", "south"));
                assertThat(routed.status()).isEqualTo(200);
            }
        }

    }

    @Nested
    class RateLimit {

        @Test
        void shouldAnswerTooManyRequestsToAClientOverItsRate() {
            Map<String, String> greedy = user("greedy", "north");
            int limited = 0;
            Http.Response last = null;
            for (int i = 0; i < 120; i++) {
                Http.Response response = Http.get(edge + "/api/posts/1", greedy);
                if (response.status() == 429) {
                    limited++;
                    last = response;
                }
            }
            assertThat(limited).isGreaterThan(0);
            assertThat(last.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(last.header("Retry-After")).isNotBlank();
            assertThat(Http.get(edge + "/api/posts/1", user("patient", "north")).status()).isEqualTo(200);
        }

    }

    @Nested
    class Overview {

        @Test
        void shouldAnswerWhileEveryOtherServiceIsAbsent() {
            Http.Response response = Http.get(edge + "/ops/overview", Map.of());
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).contains("\"link\":{\"available\":false", "\"reconciler\":{\"available\":false",
                    "\"reship\":{\"available\":false", "\"collector\":{\"available\":false", "\"upstreams\":[");
        }

    }

    /** A port nothing listens on: taken from the system, then released. */
    private static int closedPort() {
        return LocalPorts.free();
    }

    private Map<String, String> user(String name, String region) {
        return Map.of("X-User-Id", this.run + "-" + name, "X-Region", region);
    }

    private void setShift(String region, double percent) {
        Http.Response response = Http.put(this.edge + "/ops/regions/" + region + "/shift",
                "{\"percent\":" + percent + "}", OPERATOR);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
    }

    private void setRemoteWeight(String datacenter, double percent) {
        Http.Response response = Http.put(this.edge + "/ops/datacenters/" + datacenter + "/remote-weight",
                "{\"percent\":" + percent + "}", OPERATOR);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
    }

    private void drain(String datacenter, boolean drained) {
        Http.Response response = Http.put(this.edge + "/ops/datacenters/" + datacenter + "/drain",
                "{\"drained\":" + drained + "}", OPERATOR);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
    }

    private void awaitHealthy() {
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                Http.get(this.edge + "/ops/targets", Map.of()).body()).doesNotContain("DOWN"));
    }

}
