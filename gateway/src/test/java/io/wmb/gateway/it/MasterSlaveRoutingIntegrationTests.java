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
 * Datacenter gateways in master-slave mode ({@code wmb.gateway.topology.mode=master-slave}, master unicom):
 * telecom's gateway sends writes across the real link simulator to unicom's processor and serves reads
 * locally; while the link is cut it refuses writes with a 503 problem and keeps serving reads. Unicom's
 * gateway keeps writes local even when its weights send reads across.
 */
class MasterSlaveRoutingIntegrationTests {

    private static final GatewayTopology topology = GatewayTopology.shared();

    private static final String[] MASTER_SLAVE = { "--wmb.gateway.topology.mode=master-slave",
        "--wmb.gateway.topology.master=unicom", "--wmb.gateway.proxy.response-timeout=3s" };

    private static FakeProcessor master;

    private static FakeProcessor slave;

    private static LinkSimulator link;

    private static String slaveGateway;

    private static String masterGateway;

    @BeforeAll
    static void startBothGateways() {
        master = new FakeProcessor("unicom-master", "unicom");
        slave = new FakeProcessor("telecom-slave", "telecom");
        link = new LinkSimulator();
        int toMaster = link.open("processor-http-unicom", master.port());
        int toSlave = link.open("processor-http-telecom", slave.port());
        slaveGateway = GatewayTopology.baseUri(topology.datacenterGateway("telecom", slave.uri(),
                "http://127.0.0.1:" + toMaster, topology.dataDir.resolve("master-slave-telecom"), MASTER_SLAVE));
        masterGateway = GatewayTopology.baseUri(topology.datacenterGateway("unicom", master.uri(),
                "http://127.0.0.1:" + toSlave, topology.dataDir.resolve("master-slave-unicom"),
                concat(MASTER_SLAVE, "--wmb.gateway.upstreams.initial-remote-weight-percent=100")));
    }

    @AfterAll
    static void stopProcessors() {
        link.close();
        master.close();
        slave.close();
    }

    @Test
    void shouldSendTheSlavesWritesToTheMasterAndServeItsReadsLocally() {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Http.Response written = Http.post(slaveGateway + "/api/posts/7/likes", Map.of("X-User-Id", "42"));
            assertThat(written.status()).isEqualTo(200);
            assertThat(written.header("X-Processor")).isEqualTo("unicom-master");
            assertThat(written.header("X-WMB-Datacenter")).isEqualTo("unicom");
        });

        Http.Response read = Http.get(slaveGateway + "/api/posts/7", Map.of("X-User-Id", "42"));
        assertThat(read.header("X-Processor")).isEqualTo("telecom-slave");
        assertThat(Http.get(slaveGateway + "/ops/writes", Map.of()).body()).contains("\"topology\":\"master-slave\"",
                "\"acceptsWrites\":true");
    }

    @Test
    void shouldRefuseTheSlavesWritesWhileTheMasterIsCutOffAndKeepServingReads() {
        await().atMost(Duration.ofSeconds(10)).until(() -> Http.post(slaveGateway + "/api/posts/8/likes",
                Map.of()).status() == 200);
        link.cut();
        try {
            // A write caught in the cut waits for its response timeout; the health check then takes the master out.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Http.Response refused = Http.post(slaveGateway + "/api/posts/8/likes", Map.of("X-User-Id", "42"));
                assertThat(refused.status()).isEqualTo(503);
                assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
                assertThat(refused.body()).contains("master datacenter (unicom)", "master-slave");
            });
            int servedByMaster = master.served();
            Http.Response read = Http.get(slaveGateway + "/api/posts/8", Map.of("X-User-Id", "42"));
            assertThat(read.status()).isEqualTo(200);
            assertThat(read.header("X-Processor")).isEqualTo("telecom-slave");
            assertThat(Http.post(slaveGateway + "/api/posts/8/likes", Map.of()).status()).isEqualTo(503);
            assertThat(master.served()).isEqualTo(servedByMaster);
            assertThat(Http.get(slaveGateway + "/ops/writes", Map.of()).body()).contains("\"acceptsWrites\":false");
        }
        finally {
            link.heal();
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                Http.post(slaveGateway + "/api/posts/8/likes", Map.of()).header("X-Processor")).isEqualTo("unicom-master"));
    }

    @Test
    void shouldKeepTheMastersWritesLocalWhileItsReadsFollowTheWeights() {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                Http.get(masterGateway + "/api/posts/9", Map.of("X-User-Id", "7")).header("X-Processor"))
            .isEqualTo("telecom-slave"));

        Http.Response written = Http.put(masterGateway + "/api/posts/9", "{\"content\":\"x\"}", Map.of("X-User-Id", "7"));

        assertThat(written.status()).isEqualTo(200);
        assertThat(written.header("X-Processor")).isEqualTo("unicom-master");
    }

    private static String[] concat(String[] first, String... more) {
        String[] all = new String[first.length + more.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }

}
