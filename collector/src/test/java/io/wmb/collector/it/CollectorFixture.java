package io.wmb.collector.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.wmb.collector.CollectorApplication;
import io.wmb.collector.config.GrpcServerLifecycle;
import io.wmb.collector.support.VersionedMapProcessor;
import io.micrometer.core.instrument.MeterRegistry;
import io.wmb.infra.Infrastructure;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The unicom side of an integration test: a newest-version-wins processor on a loopback port, the real
 * collector application in front of it, and a route of the inter-datacenter link to the collector.
 */
final class CollectorFixture implements AutoCloseable {

    static final String SECRET = "integration-test-peer-secret";

    final Infrastructure infrastructure = Infrastructure.shared();

    final VersionedMapProcessor processor = new VersionedMapProcessor();

    final Path dataDir;

    private final Server processorServer;

    private final ConfigurableApplicationContext collector;

    /** The port the peer's reship reaches the collector on, through the link. */
    final int linkPort;

    CollectorFixture(String name, String... extraArgs) {
        this.dataDir = dataRoot().resolve(name + "-" + UUID.randomUUID());
        try {
            this.processorServer = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(this.processor)
                .build()
                .start();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        List<String> args = new ArrayList<>(List.of(
                "--server.port=0",
                "--wmb.collector.datacenter=unicom",
                "--wmb.collector.data-dir=" + this.dataDir.resolve("collector-unicom"),
                "--wmb.collector.grpc.port=0",
                "--wmb.collector.peer.secret=" + SECRET,
                "--wmb.collector.processor.target=127.0.0.1:" + this.processorServer.getPort(),
                "--wmb.collector.processing-log.elasticsearch-url=" + this.infrastructure.elasticsearchUrl()));
        args.addAll(List.of(extraArgs));
        this.collector = new SpringApplicationBuilder(CollectorApplication.class).run(args.toArray(String[]::new));
        int collectorPort = this.collector.getBean(GrpcServerLifecycle.class).getPort();
        this.linkPort = this.infrastructure.link().open(name + "-collector-unicom-" + collectorPort, collectorPort);
    }

    /** The collector's meters (replication lag, batch sizes, outcomes). */
    MeterRegistry meterRegistry() {
        return this.collector.getBean(MeterRegistry.class);
    }

    /** The collector's management (actuator) HTTP port. */
    int managementPort() {
        return Integer.parseInt(this.collector.getEnvironment().getProperty("local.server.port"));
    }

    static Path dataRoot() {
        return Path.of(System.getProperty("wmb.data.dir", "target/wmb-data"), "sync-tests");
    }

    @Override
    public void close() throws InterruptedException {
        this.collector.close();
        this.processorServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

}
