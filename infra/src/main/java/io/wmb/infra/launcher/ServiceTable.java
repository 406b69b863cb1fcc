package io.wmb.infra.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import io.wmb.infra.Datacenter;
import io.wmb.infra.InfrastructureSettings;
import io.wmb.infra.KafkaServers;

/**
 * What {@code ./wmb up} runs: every service of both datacenters plus the edge, with ports and environment
 * variables of the local demo (docs/design.md). Change the demo's topology here and nowhere else.
 */
final class ServiceTable {

    /** Shared secret between the datacenters' reship and collector in the demo. */
    static final String PEER_SECRET = "wmb-local-demo-peer-secret";

    /** The link simulator's control HTTP port (and the supervisor's status endpoint). */
    static final int CONTROL_PORT = 8090 + InfrastructureSettings.demoPortOffset();

    /** The edge and ops dashboard. */
    static final int EDGE_PORT = 8080 + InfrastructureSettings.demoPortOffset();

    private static final String LOOPBACK = "127.0.0.1";

    /** Both datacenters take writes (the default). */
    static final String INDEPENDENT = "independent";

    /** Only the master datacenter (unicom) takes writes. */
    static final String MASTER_SLAVE = "master-slave";

    /** Unicom's Kafka broker port for its own services (message-queue transport only). */
    private static final int KAFKA_CLIENT_PORT = KafkaServers.CLIENT_PORT;

    private ServiceTable() {
    }

    /**
     * The transport between the datacenters' reship and collector: {@code -Dwmb.transport} (set by
     * {@code ./wmb up --transport}), else {@code WMB_TRANSPORT}, else {@code grpc}.
     * @throws IllegalArgumentException for anything but {@code grpc} or {@code kafka}
     */
    static String transport() {
        String value = System.getProperty("wmb.transport", System.getenv("WMB_TRANSPORT"));
        if (value == null || value.isBlank()) {
            return "grpc";
        }
        String transport = value.trim().toLowerCase(Locale.ROOT);
        if (!transport.equals("grpc") && !transport.equals("kafka")) {
            throw new IllegalArgumentException("WMB_TRANSPORT must be 'grpc' or 'kafka', but was '" + value + "'");
        }
        return transport;
    }

    /** Whether the demo runs the message-queue transport, and with it a Kafka broker per datacenter. */
    static boolean kafka() {
        return transport().equals("kafka");
    }

    /**
     * The fixed link routes of the demo, name to target port: everything crossing datacenters. Each listens on
     * {@code 10000 + target port}.
     */
    static Map<String, Integer> linkRoutes() {
        return linkRoutes(transport());
    }

    /** The fixed link routes of the demo with a given transport; kafka adds the brokers' peer listeners. */
    static Map<String, Integer> linkRoutes(String transport) {
        Map<String, Integer> routes = new LinkedHashMap<>();
        routes.put("collector-unicom", port(Datacenter.UNICOM, 9121));
        routes.put("collector-telecom", port(Datacenter.TELECOM, 9121));
        routes.put("processor-http-unicom", port(Datacenter.UNICOM, 8101));
        routes.put("processor-http-telecom", port(Datacenter.TELECOM, 8101));
        routes.put("processor-grpc-unicom", port(Datacenter.UNICOM, 9101));
        routes.put("processor-grpc-telecom", port(Datacenter.TELECOM, 9101));
        // The master's direct writes into the other datacenter's cache in master-slave mode.
        routes.put("redis-unicom", port(Datacenter.UNICOM, 6380));
        routes.put("redis-telecom", port(Datacenter.TELECOM, 6380));
        if (transport.equals("kafka")) {
            // The other datacenter's bridge produces into this broker through its peer listener.
            routes.put("kafka-unicom", port(Datacenter.UNICOM, KafkaServers.PEER_PORT));
            routes.put("kafka-telecom", port(Datacenter.TELECOM, KafkaServers.PEER_PORT));
        }
        return routes;
    }

    /**
     * Every port the demo listens on, port to what wants it: servers, services, link routes and the control API.
     * {@code ./wmb up} checks them all before it starts anything.
     */
    static Map<Integer, String> demoPorts(Path dataRoot) {
        return demoPorts(dataRoot, transport());
    }

    /** Every port of the demo with a given transport. */
    static Map<Integer, String> demoPorts(Path dataRoot, String transport) {
        InfrastructureSettings servers = InfrastructureSettings.demo(dataRoot);
        Map<Integer, String> ports = new TreeMap<>();
        ports.put(servers.mysqlMasterPort(), "MariaDB master (unicom)");
        ports.put(servers.mysqlReplicaPort(), "MariaDB replica (telecom)");
        ports.put(servers.redisUnicomPort(), "Redis (unicom)");
        ports.put(servers.redisTelecomPort(), "Redis (telecom)");
        ports.put(servers.elasticsearchPort(), "Elasticsearch");
        ports.put(servers.elasticsearchPort() + 100, "Elasticsearch transport");
        ports.put(servers.replicationLinkPort(), "link route of the replication");
        ports.put(CONTROL_PORT, "WMB control API");
        linkRoutes(transport).forEach((name, target) -> ports.put(linked(target), "link route to " + name));
        if (transport.equals("kafka")) {
            for (Datacenter dc : Datacenter.values()) {
                ports.put(port(dc, KAFKA_CLIENT_PORT), "Kafka (" + dc.id() + ")");
                ports.put(port(dc, KafkaServers.PEER_PORT), "Kafka peer listener (" + dc.id() + ")");
                ports.put(port(dc, KafkaServers.CONTROLLER_PORT), "Kafka controller (" + dc.id() + ")");
            }
        }
        for (ServiceSpec service : demo(dataRoot, transport)) {
            ports.put(service.httpPort(), service.id());
            if (service.grpcPort() != 0) {
                ports.put(service.grpcPort(), service.id() + " gRPC");
            }
        }
        return ports;
    }

    /** Every service of the demo, in start order. */
    static List<ServiceSpec> demo(Path dataRoot) {
        return demo(dataRoot, transport());
    }

    /** The gateways' number of Reactor Netty event loops. */
    static final String GATEWAY_IO_WORKERS = "WMB_GATEWAY_IO_WORKERS";

    /**
     * One event loop per gateway unless the user's environment says otherwise: the demo's gateways share the
     * machine's cores with a dozen other services, and one loop spent 12-15% less CPU per proxied request than
     * Reactor Netty's default of four on two cores, at the same throughput.
     */
    private static String gatewayIoWorkers(UnaryOperator<String> environment) {
        return userSetting(environment, GATEWAY_IO_WORKERS, "1");
    }

    /** How often the reconcilers scan, and how far behind now their window ends. */
    static final String RECONCILER_INTERVAL = "WMB_RECONCILER_INTERVAL";

    static final String RECONCILER_GRACE = "WMB_RECONCILER_GRACE";

    /** The user's environment variable, trimmed, or the demo's value when it is unset or blank. */
    private static String userSetting(UnaryOperator<String> environment, String name, String demoValue) {
        String configured = environment.apply(name);
        return (configured != null && !configured.isBlank()) ? configured.trim() : demoValue;
    }

    /** Every service of the demo with a given transport, in start order. */
    static List<ServiceSpec> demo(Path dataRoot, String transport) {
        return demo(dataRoot, transport, System::getenv);
    }

    /** The same, with the user's settings read from {@code environment}. */
    static List<ServiceSpec> demo(Path dataRoot, String transport, UnaryOperator<String> environment) {
        InfrastructureSettings servers = InfrastructureSettings.demo(dataRoot);
        List<ServiceSpec> services = new ArrayList<>();
        for (Datacenter dc : Datacenter.values()) {
            Map<String, String> common = common(dc, servers, dataRoot);
            common.putAll(transportEnv(dc, transport));
            services.add(service("processor", dc, 8101, 9101, common, Map.of(), dataRoot));
            services.add(service("reship", dc, 8111, 9111, common, Map.of(), dataRoot));
            services.add(service("collector", dc, 8121, 9121, common, Map.of(), dataRoot));
            // Short scan rounds in the demo, so that a repair shows within seconds (./wmb tour); production keeps
            // the defaults (1 min, 30 s grace), and so does ./wmb bench's demo, through these two variables.
            services.add(service("reconciler", dc, 8131, 0, common, Map.of(RECONCILER_INTERVAL,
                    userSetting(environment, RECONCILER_INTERVAL, "15s"), RECONCILER_GRACE,
                    userSetting(environment, RECONCILER_GRACE, "5s")), dataRoot));
            services.add(service("gateway", dc, 8081, 0, common, Map.of("WMB_GATEWAY_ROLE", "datacenter",
                    GATEWAY_IO_WORKERS, gatewayIoWorkers(environment)), dataRoot));
        }
        Map<String, String> edge = new LinkedHashMap<>(common(Datacenter.UNICOM, servers, dataRoot));
        edge.put("WMB_GATEWAY_ROLE", "edge");
        edge.put(GATEWAY_IO_WORKERS, gatewayIoWorkers(environment));
        edge.put("WMB_UNICOM_GATEWAY", http(port(Datacenter.UNICOM, 8081)));
        edge.put("WMB_TELECOM_GATEWAY", http(port(Datacenter.TELECOM, 8081)));
        edge.put("WMB_LINK_CONTROL_URL", http(CONTROL_PORT));
        for (Datacenter dc : Datacenter.values()) {
            String prefix = "WMB_" + dc.id().toUpperCase() + "_";
            edge.put(prefix + "RESHIP_MANAGEMENT", http(port(dc, 8111)));
            edge.put(prefix + "COLLECTOR_MANAGEMENT", http(port(dc, 8121)));
            edge.put(prefix + "RECONCILER", http(port(dc, 8131)));
        }
        edge.put("SERVER_PORT", Integer.toString(EDGE_PORT));
        edge.put("WMB_DATA_DIR", dataRoot.resolve("edge").toString());
        services.add(new ServiceSpec("edge", null, "gateway", EDGE_PORT, 0, Map.copyOf(edge),
                http(EDGE_PORT) + "/actuator/health"));
        return List.copyOf(services);
    }

    /** How reship and collector talk across: the transport and, for kafka, where the brokers are. */
    private static Map<String, String> transportEnv(Datacenter dc, String transport) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("WMB_TRANSPORT", transport);
        if (transport.equals("kafka")) {
            env.put("WMB_KAFKA_BOOTSTRAP", LOOPBACK + ":" + port(dc, KAFKA_CLIENT_PORT));
            env.put("WMB_KAFKA_PEER_BOOTSTRAP", LOOPBACK + ":" + linked(port(dc.peer(), KafkaServers.PEER_PORT)));
        }
        return env;
    }

    /** The environment every service of a datacenter gets; each reads what it needs. */
    private static Map<String, String> common(Datacenter dc, InfrastructureSettings servers, Path dataRoot) {
        Datacenter peer = dc.peer();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("WMB_DATACENTER", dc.id());
        env.put("WMB_PEER_DATACENTER", peer.id());
        int mysqlPort = (dc == Datacenter.UNICOM) ? servers.mysqlMasterPort() : servers.mysqlReplicaPort();
        env.put("WMB_MYSQL_URL", "jdbc:mysql://" + LOOPBACK + ":" + mysqlPort + "/wmb");
        env.put("WMB_MYSQL_USER", "wmb");
        env.put("WMB_MYSQL_PASSWORD", "wmb");
        env.put("WMB_OWNS_MASTER", Boolean.toString(dc == Datacenter.UNICOM));
        int redisPort = (dc == Datacenter.UNICOM) ? servers.redisUnicomPort() : servers.redisTelecomPort();
        env.put("WMB_REDIS_URL", "redis://" + LOOPBACK + ":" + redisPort);
        env.put("WMB_ELASTICSEARCH_URL", http(servers.elasticsearchPort()));
        env.put("WMB_PEER_SECRET", PEER_SECRET);
        env.put("WMB_RESHIP_TARGET", LOOPBACK + ":" + port(dc, 9111));
        env.put("WMB_PROCESSOR_TARGET", LOOPBACK + ":" + port(dc, 9101));
        // Everything that reaches into the other datacenter goes through the link simulator.
        env.put("WMB_COLLECTOR_TARGET", LOOPBACK + ":" + linked(port(peer, 9121)));
        env.put("WMB_LOCAL_UPSTREAM", http(port(dc, 8101)));
        env.put("WMB_REMOTE_UPSTREAM", http(linked(port(peer, 8101))));
        env.put("WMB_" + dc.id().toUpperCase() + "_PROCESSOR_TARGET", LOOPBACK + ":" + port(dc, 9101));
        env.put("WMB_" + peer.id().toUpperCase() + "_PROCESSOR_TARGET", LOOPBACK + ":" + linked(port(peer, 9101)));
        env.put("WMB_LINK_CONTROL_URL", http(CONTROL_PORT));
        // Master-slave mode: every write goes to unicom (which owns the MySQL master); its processor writes the
        // other datacenter's Redis through the link.
        env.put("WMB_TOPOLOGY", topology());
        env.put("WMB_MASTER_DATACENTER", Datacenter.UNICOM.id());
        env.put("WMB_PEER_REDIS_URL", "redis://" + LOOPBACK + ":" + linked(port(peer, 6380)));
        return env;
    }

    /**
     * The demo's topology: {@code WMB_TOPOLOGY} ({@code independent} unless set).
     * @throws IllegalArgumentException for anything but {@code independent} or {@code master-slave}
     */
    static String topology() {
        String topology = Optional.ofNullable(System.getenv("WMB_TOPOLOGY")).filter((t) -> !t.isBlank())
            .orElse(INDEPENDENT);
        return checkTopology(topology);
    }

    /**
     * The topology, checked.
     * @throws IllegalArgumentException for anything but {@code independent} or {@code master-slave}
     */
    static String checkTopology(String topology) {
        if (!INDEPENDENT.equals(topology) && !MASTER_SLAVE.equals(topology)) {
            throw new IllegalArgumentException("WMB_TOPOLOGY must be 'independent' or 'master-slave', but was '"
                    + topology + "'");
        }
        return topology;
    }

    private static ServiceSpec service(String name, Datacenter dc, int unicomHttpPort, int unicomGrpcPort,
            Map<String, String> common, Map<String, String> extra, Path dataRoot) {
        Map<String, String> env = new LinkedHashMap<>(common);
        int httpPort = port(dc, unicomHttpPort);
        env.put("SERVER_PORT", Integer.toString(httpPort));
        if (unicomGrpcPort != 0) {
            env.put("WMB_GRPC_PORT", Integer.toString(port(dc, unicomGrpcPort)));
        }
        env.putAll(extra);
        env.put("WMB_INSTANCE_ID", name + "-" + dc.id());
        // Local state (outbox, spill files) stays under the data root, one folder per service.
        env.put("WMB_DATA_DIR", dataRoot.resolve(name + "-" + dc.id()).toString());
        return new ServiceSpec(name, dc, name, httpPort, (unicomGrpcPort != 0) ? port(dc, unicomGrpcPort) : 0,
                Map.copyOf(env), http(httpPort) + "/actuator/health");
    }

    /** The demo's port of a component: unicom's, plus one in telecom (8101 / 8102), plus the port offset. */
    static int port(Datacenter dc, int unicomPort) {
        return unicomPort + dc.number() - 1 + InfrastructureSettings.demoPortOffset();
    }

    private static int linked(int port) {
        return InfrastructureSettings.LINK_PORT_OFFSET + port;
    }

    private static String http(int port) {
        return "http://" + LOOPBACK + ":" + port;
    }

    /**
     * One service process.
     * @param name e.g. {@code processor}, {@code edge}
     * @param datacenter where it runs; {@code null} for the edge, which serves both
     * @param module the Maven module whose exec jar runs it
     * @param httpPort its HTTP (or management) port
     * @param grpcPort its gRPC port, 0 if none
     * @param env its environment variables
     * @param healthUrl answers 200 when the service is healthy
     */
    record ServiceSpec(String name, Datacenter datacenter, String module, int httpPort, int grpcPort,
            Map<String, String> env, String healthUrl) {

        /**
         * Whether the service may start from the bean definitions Spring AOT generated when its jar was built
         * ({@code -Dspring.aot.enabled=true}). The build evaluated every condition with the defaults, and the one
         * the demo's environment can turn is the transport of reship and collector (built for gRPC): with another
         * they start the usual way, and refuse to start ahead of time. The gateway is built for both its roles and
         * picks the definitions of its role itself.
         */
        boolean aheadOfTime() {
            return switch (this.module) {
                case "reship", "collector" -> "grpc".equals(this.env.getOrDefault("WMB_TRANSPORT", "grpc"));
                default -> true;
            };
        }

        /** {@code processor-unicom}, or just {@code edge}: also the log file's name. */
        String id() {
            return (this.datacenter != null) ? this.name + "-" + this.datacenter.id() : this.name;
        }

        /** The newest {@code <module>/target/wmb-<module>-*-exec.jar}, if built. */
        Optional<Path> jar(Path repository) {
            Path target = repository.resolve(this.module).resolve("target");
            if (!Files.isDirectory(target)) {
                return Optional.empty();
            }
            try (Stream<Path> files = Files.list(target)) {
                return files.filter((file) -> {
                    String fileName = file.getFileName().toString();
                    return fileName.startsWith("wmb-" + this.module + "-") && fileName.endsWith("-exec.jar");
                }).max((a, b) -> a.toFile().lastModified() < b.toFile().lastModified() ? -1 : 1);
            }
            catch (IOException ex) {
                return Optional.empty();
            }
        }
    }
}
