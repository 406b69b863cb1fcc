package io.wmb.gateway.it;

import java.time.Duration;
import java.util.Map;

import io.wmb.infra.LinkSimulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A datacenter gateway whose remote upstream is reached through the real link simulator, as in the demo:
 * cutting the link sends the traffic back to the local processor, healing it brings it back across.
 */
class LinkFailoverIntegrationTests {

    private static final GatewayTopology topology = GatewayTopology.shared();

    private static LinkSimulator link;

    private static String gateway;

    @BeforeAll
    static void startGatewayBehindTheLink() {
        link = new LinkSimulator();
        int across = link.open("processor-http-telecom", topology.telecomProcessor.port());
        // All of this gateway's traffic goes across unless the other side is unreachable.
        gateway = GatewayTopology.baseUri(topology.datacenterGateway("unicom", topology.unicomProcessor.uri(),
                "http://127.0.0.1:" + across, topology.dataDir.resolve("linked-unicom"),
                "--wmb.gateway.upstreams.initial-remote-weight-percent=100",
                "--wmb.gateway.proxy.response-timeout=3s"));
    }

    @AfterAll
    static void closeLink() {
        link.close();
    }

    @Test
    void shouldServeLocallyWhileTheLinkIsCutAndGoAcrossAgainAfterItHeals() {
        topology.unicomProcessor.start();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(servedBy()).isEqualTo("telecom"));

        link.cut();
        // A request caught in the cut may wait for its response timeout; the health check then takes the
        // remote upstream out and the local processor serves.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(servedBy()).isEqualTo("unicom"));
        assertThat(Http.get(gateway + "/ops/targets", Map.of()).body()).contains("\"status\":\"DOWN\"");

        link.heal();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(servedBy()).isEqualTo("telecom"));
    }

    @Test
    void shouldPayTheLinksRoundTripOnRequestsThatGoAcross() {
        topology.unicomProcessor.start();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(servedBy()).isEqualTo("telecom"));
        link.setRoundTrip(Duration.ofMillis(40));
        try {
            long started = System.nanoTime();
            assertThat(servedBy()).isEqualTo("telecom");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(40));
        }
        finally {
            link.setRoundTrip(Duration.ZERO);
        }
    }

    private static String servedBy() {
        Http.Response response = Http.get(gateway + "/api/posts/1", Map.of("X-User-Id", "linked-user"));
        assertThat(response.status()).isEqualTo(200);
        return response.header("X-WMB-Datacenter");
    }

}
