package io.wmb.gateway.it;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.wmb.gateway.GatewayApplication;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Both datacenters in one JVM: per datacenter one fake processor and one datacenter gateway (whose remote
 * upstream is the other datacenter's processor), and one edge in front. Started once per test run, shared
 * by the integration tests, each of which sets the routing settings it needs.
 */
final class GatewayTopology {

    static final String TOKEN = "integration-test-operator-token";

    private static final List<String> COMMON = List.of("--server.port=0",
            "--wmb.gateway.operators.operator=" + TOKEN,
            // Fast rounds so that failover tests are quick; a generous timeout, as the machine may be busy.
            "--wmb.gateway.health.interval=200ms", "--wmb.gateway.health.timeout=2s",
            "--wmb.gateway.health.fall=1", "--wmb.gateway.health.rise=1",
            // Nothing else of WMB runs here: the overview must cope with all of it being absent. Port 1, not the
            // demo's ports, so that a demo running on the same machine does not answer for the absent services.
            "--wmb.gateway.ops.link=http://127.0.0.1:1", "--wmb.gateway.ops.timeout=300ms",
            "--wmb.gateway.ops.reconcilers.unicom=http://127.0.0.1:1",
            "--wmb.gateway.ops.reconcilers.telecom=http://127.0.0.1:1",
            "--wmb.gateway.ops.reships.unicom=http://127.0.0.1:1",
            "--wmb.gateway.ops.reships.telecom=http://127.0.0.1:1",
            "--wmb.gateway.ops.collectors.unicom=http://127.0.0.1:1",
            "--wmb.gateway.ops.collectors.telecom=http://127.0.0.1:1");

    private static GatewayTopology shared;

    final FakeProcessor unicomProcessor = new FakeProcessor("unicom-processor", "unicom");

    final FakeProcessor telecomProcessor = new FakeProcessor("telecom-processor", "telecom");

    final ConfigurableApplicationContext unicomGateway;

    final ConfigurableApplicationContext telecomGateway;

    final ConfigurableApplicationContext edge;

    final Path dataDir;

    private final List<ConfigurableApplicationContext> extra = new ArrayList<>();

    private GatewayTopology() {
        this.dataDir = Path.of(System.getProperty("wmb.data.dir", "target/wmb-data"), "gateway-it",
                UUID.randomUUID().toString());
        this.unicomGateway = datacenterGateway("unicom", this.unicomProcessor, this.telecomProcessor);
        this.telecomGateway = datacenterGateway("telecom", this.telecomProcessor, this.unicomProcessor);
        this.edge = start(edgeArguments(this.dataDir.resolve("edge")));
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "gateway-topology-stop"));
    }

    static synchronized GatewayTopology shared() {
        if (shared == null) {
            shared = new GatewayTopology();
        }
        return shared;
    }

    /** Arguments for another edge in front of the same datacenter gateways, keeping state in {@code dataDir}. */
    List<String> edgeArguments(Path dataDir) {
        List<String> args = new ArrayList<>(COMMON);
        args.addAll(List.of("--wmb.gateway.role=edge", "--wmb.gateway.data-dir=" + dataDir,
                "--wmb.gateway.edge.gateways.unicom=" + baseUri(this.unicomGateway),
                "--wmb.gateway.edge.gateways.telecom=" + baseUri(this.telecomGateway),
                "--wmb.gateway.edge.region-table=127.0.0.0/25=north,127.0.0.128/25=south",
                "--wmb.gateway.rate-limit.capacity=20", "--wmb.gateway.rate-limit.refill-per-second=5"));
        return args;
    }

    private ConfigurableApplicationContext datacenterGateway(String datacenter, FakeProcessor local,
            FakeProcessor remote) {
        return datacenterGateway(datacenter, local.uri(), remote.uri(), this.dataDir.resolve(datacenter));
    }

    /**
     * Starts one more datacenter gateway in this JVM. It stays up until the JVM exits: closing a context would
     * also release the Reactor Netty resources the other gateways of this JVM share.
     */
    ConfigurableApplicationContext datacenterGateway(String datacenter, String local, String remote, Path dataDir,
            String... extra) {
        List<String> args = new ArrayList<>(COMMON);
        args.addAll(List.of("--wmb.gateway.role=datacenter", "--wmb.gateway.datacenter=" + datacenter,
                "--wmb.gateway.data-dir=" + dataDir, "--wmb.gateway.upstreams.local=" + local,
                "--wmb.gateway.upstreams.remote=" + remote));
        args.addAll(List.of(extra));
        ConfigurableApplicationContext context = start(args);
        this.extra.add(context);
        return context;
    }

    private static ConfigurableApplicationContext start(List<String> args) {
        return new SpringApplicationBuilder(GatewayApplication.class).run(args.toArray(String[]::new));
    }

    static String baseUri(ConfigurableApplicationContext context) {
        return "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port");
    }

    String edgeUri() {
        return baseUri(this.edge);
    }

    private void close() {
        this.extra.forEach(ConfigurableApplicationContext::close);
        for (ConfigurableApplicationContext context : List.of(this.edge, this.unicomGateway, this.telecomGateway)) {
            context.close();
        }
        this.unicomProcessor.close();
        this.telecomProcessor.close();
    }

}
