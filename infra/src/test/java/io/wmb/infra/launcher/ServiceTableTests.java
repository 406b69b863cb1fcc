package io.wmb.infra.launcher;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.wmb.infra.Datacenter;
import io.wmb.infra.launcher.ServiceTable.ServiceSpec;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The demo's service table agrees with docs/design.md. */
class ServiceTableTests {

    private final List<ServiceSpec> services = ServiceTable.demo(Path.of("/data"));

    @Test
    void shouldRunFiveServicesPerDatacenterPlusTheEdge() {
        assertThat(this.services).extracting(ServiceSpec::id).containsExactly("processor-unicom", "reship-unicom",
                "collector-unicom", "reconciler-unicom", "gateway-unicom", "processor-telecom", "reship-telecom",
                "collector-telecom", "reconciler-telecom", "gateway-telecom", "edge");
    }

    @Test
    void shouldGiveEveryServiceItsOwnPorts() {
        List<Integer> ports = new ArrayList<>();
        for (ServiceSpec service : this.services) {
            ports.add(service.httpPort());
            if (service.grpcPort() != 0) {
                ports.add(service.grpcPort());
            }
        }
        assertThat(ports).doesNotHaveDuplicates()
            .contains(8080, 8081, 8082, 8101, 8102, 9101, 9102, 9111, 9112, 9121, 9122, 8131, 8132);
    }

    @Test
    void shouldListEveryPortUpChecksOnce() {
        Map<Integer, String> ports = ServiceTable.demoPorts(Path.of("/data"));

        assertThat(ports).containsEntry(8080, "edge").containsEntry(9102, "processor-telecom gRPC")
            .containsEntry(3307, "MariaDB master (unicom)").containsEntry(9200, "Elasticsearch")
            .containsEntry(8090, "WMB control API").containsEntry(19122, "link route to collector-telecom")
            .containsEntry(13307, "link route of the replication");
        // 5 servers + ES transport + 8 link routes + replication route + control + 11 services' HTTP + 6 gRPC.
        assertThat(ports).hasSize(5 + 1 + 8 + 1 + 1 + 11 + 6);
    }

    @Test
    void shouldReachTheOtherDatacenterOnlyThroughTheLink() {
        Map<String, String> unicom = service("reship-unicom").env();
        Map<String, String> telecom = service("reship-telecom").env();
        assertThat(unicom).containsEntry("WMB_COLLECTOR_TARGET", "127.0.0.1:19122");
        assertThat(telecom).containsEntry("WMB_COLLECTOR_TARGET", "127.0.0.1:19121");
        assertThat(service("gateway-unicom").env()).containsEntry("WMB_REMOTE_UPSTREAM", "http://127.0.0.1:18102")
            .containsEntry("WMB_LOCAL_UPSTREAM", "http://127.0.0.1:8101");
        assertThat(service("reconciler-telecom").env())
            .containsEntry("WMB_UNICOM_PROCESSOR_TARGET", "127.0.0.1:19101")
            .containsEntry("WMB_TELECOM_PROCESSOR_TARGET", "127.0.0.1:9102");
    }

    @Test
    void shouldOpenALinkRouteForEveryCrossDatacenterTarget() {
        assertThat(ServiceTable.linkRoutes().values()).containsExactlyInAnyOrder(9121, 9122, 8101, 8102, 9101, 9102,
                6380, 6381);
    }

    @Test
    void shouldGiveEveryServiceTheTopologyAndTheProcessorsThePeerCacheThroughTheLink() {
        assertThat(ServiceTable.demo(Path.of("/data"))).allSatisfy((service) -> assertThat(service.env())
            .containsEntry("WMB_TOPOLOGY", "independent").containsEntry("WMB_MASTER_DATACENTER", "unicom"));
        assertThat(service("processor-unicom").env()).containsEntry("WMB_PEER_REDIS_URL", "redis://127.0.0.1:16381");
        assertThat(service("processor-telecom").env()).containsEntry("WMB_PEER_REDIS_URL", "redis://127.0.0.1:16380");
    }

    @Test
    void shouldAcceptOnlyTheTwoTopologies() {
        assertThat(WmbCommand.topologyOption(new String[] { "up", "--topology", "master-slave" }))
            .isEqualTo("master-slave");
        assertThat(WmbCommand.topologyOption(new String[] { "up", "--topology=independent" })).isEqualTo("independent");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> ServiceTable.checkTopology("active-passive"))
            .withMessageContaining("active-passive");
    }

    @Test
    void shouldLetOnlyUnicomOwnTheMasterAndTelecomReadItsReplica() {
        assertThat(service("processor-unicom").env()).containsEntry("WMB_OWNS_MASTER", "true")
            .containsEntry("WMB_MYSQL_URL", "jdbc:mysql://127.0.0.1:3307/wmb")
            .containsEntry("WMB_REDIS_URL", "redis://127.0.0.1:6380");
        assertThat(service("processor-telecom").env()).containsEntry("WMB_OWNS_MASTER", "false")
            .containsEntry("WMB_MYSQL_URL", "jdbc:mysql://127.0.0.1:3308/wmb")
            .containsEntry("WMB_REDIS_URL", "redis://127.0.0.1:6381");
    }

    @Test
    void shouldRunTheEdgeAsTheGatewayJarInTheEdgeRole() {
        ServiceSpec edge = service("edge");
        assertThat(edge.module()).isEqualTo("gateway");
        assertThat(edge.datacenter()).isNull();
        assertThat(edge.env()).containsEntry("WMB_GATEWAY_ROLE", "edge")
            .containsEntry("SERVER_PORT", "8080")
            .containsEntry("WMB_UNICOM_GATEWAY", "http://127.0.0.1:8081")
            .containsEntry("WMB_TELECOM_GATEWAY", "http://127.0.0.1:8082");
        assertThat(service("gateway-telecom").env()).containsEntry("WMB_GATEWAY_ROLE", "datacenter");
    }

    @Test
    void shouldGiveTheGatewaysOneEventLoopUnlessTheUserSetsAnother() {
        List<ServiceSpec> demo = ServiceTable.demo(Path.of("/data"), "grpc", (name) -> null);
        List<ServiceSpec> twoLoops = ServiceTable.demo(Path.of("/data"), "grpc",
                Map.of(ServiceTable.GATEWAY_IO_WORKERS, "2")::get);
        assertThat(demo).filteredOn((service) -> service.module().equals("gateway")).hasSize(3)
            .allSatisfy((gateway) -> assertThat(gateway.env()).containsEntry(ServiceTable.GATEWAY_IO_WORKERS, "1"));
        assertThat(twoLoops).filteredOn((service) -> service.module().equals("gateway")).hasSize(3)
            .allSatisfy((gateway) -> assertThat(gateway.env()).containsEntry(ServiceTable.GATEWAY_IO_WORKERS, "2"));
        assertThat(service("processor-unicom").env()).doesNotContainKey(ServiceTable.GATEWAY_IO_WORKERS);
    }

    @Test
    void shouldScanEveryFifteenSecondsInTheDemoSoThatTheTourShowsARepairSoon() {
        List<ServiceSpec> demo = ServiceTable.demo(Path.of("/data"), "grpc", (name) -> null);
        assertThat(demo).filteredOn((service) -> service.module().equals("reconciler")).hasSize(2)
            .allSatisfy((reconciler) -> assertThat(reconciler.env())
                .containsEntry(ServiceTable.RECONCILER_INTERVAL, "15s")
                .containsEntry(ServiceTable.RECONCILER_GRACE, "5s"));
    }

    @Test
    void shouldScanOnTheScheduleTheUserSetsSuchAsProductions() {
        Map<String, String> user = Map.of(ServiceTable.RECONCILER_INTERVAL, " 1m ", ServiceTable.RECONCILER_GRACE,
                "30s");
        List<ServiceSpec> demo = ServiceTable.demo(Path.of("/data"), "grpc", user::get);
        assertThat(demo).filteredOn((service) -> service.module().equals("reconciler")).hasSize(2)
            .allSatisfy((reconciler) -> assertThat(reconciler.env())
                .containsEntry(ServiceTable.RECONCILER_INTERVAL, "1m")
                .containsEntry(ServiceTable.RECONCILER_GRACE, "30s"));
        assertThat(demo).filteredOn((service) -> !service.module().equals("reconciler"))
            .allSatisfy((other) -> assertThat(other.env()).doesNotContainKey(ServiceTable.RECONCILER_INTERVAL));
    }

    @Test
    void shouldKeepEachServicesStateInItsOwnFolder() {
        assertThat(service("reship-telecom").env()).containsEntry("WMB_DATA_DIR", "/data/reship-telecom")
            .containsEntry("WMB_DATACENTER", "telecom");
        assertThat(ServiceTable.port(Datacenter.TELECOM, 8101)).isEqualTo(8102);
    }

    private ServiceSpec service(String id) {
        return this.services.stream().filter((service) -> service.id().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void shouldGiveTheKafkaTransportABrokerPerDatacenterReachedAcrossOnlyThroughTheLink() {
        List<ServiceSpec> kafka = ServiceTable.demo(Path.of("/data"), "kafka");
        Map<String, String> unicomReship = kafka.stream().filter((s) -> s.id().equals("reship-unicom")).findFirst()
            .orElseThrow().env();
        Map<String, String> telecomCollector = kafka.stream().filter((s) -> s.id().equals("collector-telecom"))
            .findFirst().orElseThrow().env();

        assertThat(unicomReship).containsEntry("WMB_TRANSPORT", "kafka")
            .containsEntry("WMB_KAFKA_BOOTSTRAP", "127.0.0.1:9301")
            .containsEntry("WMB_KAFKA_PEER_BOOTSTRAP", "127.0.0.1:19312");
        assertThat(telecomCollector).containsEntry("WMB_TRANSPORT", "kafka")
            .containsEntry("WMB_KAFKA_BOOTSTRAP", "127.0.0.1:9302");
        assertThat(ServiceTable.linkRoutes("kafka")).containsEntry("kafka-unicom", 9311)
            .containsEntry("kafka-telecom", 9312);
        assertThat(ServiceTable.demoPorts(Path.of("/data"), "kafka")).containsEntry(9301, "Kafka (unicom)")
            .containsEntry(9322, "Kafka controller (telecom)").containsEntry(19311, "link route to kafka-unicom")
            .hasSize(5 + 1 + 8 + 1 + 1 + 11 + 6 + 2 + 6);
    }

    @Test
    void shouldRunTheGrpcTransportUnlessToldOtherwise() {
        assertThat(ServiceTable.demo(Path.of("/data"), "grpc")).filteredOn((service) -> service.datacenter() != null)
            .allSatisfy((service) -> assertThat(service.env())
            .containsEntry("WMB_TRANSPORT", "grpc")
            .doesNotContainKey("WMB_KAFKA_BOOTSTRAP"));
        assertThat(ServiceTable.linkRoutes("grpc")).doesNotContainKeys("kafka-unicom", "kafka-telecom");
    }

    @Test
    void shouldStartEveryServiceOfTheGrpcTransportAheadOfTimeTheGatewaysOfBothRolesIncluded() {
        assertThat(this.services).filteredOn(ServiceSpec::aheadOfTime).extracting(ServiceSpec::id)
            .containsExactlyElementsOf(this.services.stream().map(ServiceSpec::id).toList())
            .contains("gateway-unicom", "gateway-telecom", "edge");
    }

    @Test
    void shouldStartReshipAndCollectorOfTheKafkaTransportWithoutTheAheadOfTimeDefinitions() {
        assertThat(ServiceTable.demo(Path.of("/data"), "kafka")).filteredOn(ServiceSpec::aheadOfTime)
            .extracting(ServiceSpec::id)
            .containsExactly("processor-unicom", "reconciler-unicom", "gateway-unicom", "processor-telecom",
                    "reconciler-telecom", "gateway-telecom", "edge");
    }

}
