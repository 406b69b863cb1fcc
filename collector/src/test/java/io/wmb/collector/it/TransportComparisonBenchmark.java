package io.wmb.collector.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.wmb.infra.Datacenter;
import io.wmb.infra.Infrastructure;
import io.wmb.infra.KafkaServers;
import io.wmb.proto.v1.PostWrite;
import io.wmb.reship.ReshipApplication;
import io.wmb.reship.config.GrpcServerLifecycle;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.awaitility.Awaitility.await;

/**
 * The gRPC and the Kafka transport side by side in one run, each carrying the same writes from telecom's real reship
 * to unicom's real collector (and an in-memory newest-version-wins processor behind it) over the simulated link:
 * how fast a backlog left by a cut link drains, the saturated pipeline ({@code Submit} from 8 callers to applied in
 * the peer) with its replication lag, and the lag at a steady 100 writes/s over a 0 ms and a 40 ms link. One
 * transport at a time, each with its own reship and collector, on the same real brokers and Elasticsearch. A main,
 * not a test: numbers, not assertions.
 *
 * <p>Output lines: {@code RESULT <transport>|<measurement>|<writes/s>|<lag p50 ms>|<lag p99 ms>} ({@code -} where a
 * figure does not apply), which {@code ./wmb bench} turns into its table.
 */
public final class TransportComparisonBenchmark {

    private TransportComparisonBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int writes = (args.length > 0) ? Integer.parseInt(args[0]) : 8_000;
        Infrastructure infrastructure = Infrastructure.shared();
        KafkaServers kafka = infrastructure.kafka();
        try {
            for (String transport : List.of("grpc", "kafka")) {
                run(transport, writes, kafka);
            }
        }
        finally {
            infrastructure.link().setRoundTrip(Duration.ZERO);
            infrastructure.link().heal();
        }
        System.exit(0);
    }

    private static void run(String transport, int writes, KafkaServers kafka) throws Exception {
        boolean overKafka = transport.equals("kafka");
        CollectorFixture unicom = overKafka
                ? new CollectorFixture("transports-" + transport, "--wmb.collector.transport=kafka",
                        "--wmb.collector.kafka.bootstrap-servers=" + kafka.bootstrapServers(Datacenter.UNICOM))
                : new CollectorFixture("transports-" + transport);
        List<String> reshipArgs = new ArrayList<>(List.of("--server.port=0", "--wmb.reship.datacenter=telecom",
                "--wmb.reship.data-dir=" + unicom.dataDir.resolve("reship-telecom"), "--wmb.reship.grpc.port=0",
                "--wmb.reship.collector.target=127.0.0.1:" + unicom.linkPort,
                "--wmb.reship.collector.secret=" + CollectorFixture.SECRET,
                "--wmb.reship.collector.ack-timeout=2s", "--wmb.reship.collector.max-backoff=500ms",
                "--wmb.reship.kafka.max-backoff=500ms",
                "--wmb.reship.processing-log.elasticsearch-url=" + unicom.infrastructure.elasticsearchUrl()));
        if (overKafka) {
            reshipArgs.addAll(List.of("--wmb.reship.transport=kafka",
                    "--wmb.reship.kafka.bootstrap-servers=" + kafka.bootstrapServers(Datacenter.TELECOM),
                    "--wmb.reship.kafka.peer-bootstrap-servers=" + kafka.peerBootstrapServers(Datacenter.UNICOM),
                    "--wmb.reship.kafka.peer-delivery-timeout=3s"));
        }
        ConfigurableApplicationContext reship = new SpringApplicationBuilder(ReshipApplication.class)
            .run(reshipArgs.toArray(String[]::new));
        ManagedChannel reshipChannel = NettyChannelBuilder
            .forAddress("127.0.0.1", reship.getBean(GrpcServerLifecycle.class).getPort())
            .usePlaintext()
            .build();
        try {
            // Warm-up: JIT, connections, topics, consumer groups, the processing-log index.
            ReshipLoad.pipeline(reshipChannel, unicom, 2_000, 4, new ArrayList<>());
            System.out.printf("%n== transport %s ==%n", transport);
            Duration drain = drain(reshipChannel, unicom, writes);
            result(transport, "backlog of " + writes + " writes drained after a cut link heals", writes, drain, null);
            List<PostWrite> saturated = new ArrayList<>();
            Duration took = ReshipLoad.pipeline(reshipChannel, unicom, writes, 8, saturated);
            result(transport, "pipeline, Submit from 8 callers to applied in the peer", writes, took,
                    lags(saturated, unicom));
            for (Duration rtt : List.of(Duration.ZERO, Duration.ofMillis(40))) {
                unicom.infrastructure.link().setRoundTrip(rtt);
                List<PostWrite> paced = new ArrayList<>();
                Duration steady = ReshipLoad.pacedPipeline(reshipChannel, unicom, 1_000, 100, paced);
                result(transport, "steady 100 writes/s, link " + rtt.toMillis() + " ms", 1_000, steady,
                        lags(paced, unicom));
            }
        }
        finally {
            unicom.infrastructure.link().setRoundTrip(Duration.ZERO);
            unicom.infrastructure.link().heal();
            reshipChannel.shutdownNow();
            reship.close();
            unicom.close();
        }
    }

    private static void result(String transport, String what, int writes, Duration took, long[] lags) {
        double perSecond = writes * 1000.0 / Math.max(1, took.toMillis());
        String p50 = (lags == null) ? "-" : Long.toString(lags[lags.length / 2]);
        String p99 = (lags == null) ? "-" : Long.toString(lags[lags.length * 99 / 100]);
        System.out.printf("RESULT %s|%s|%.0f|%s|%s%n", transport, what, perSecond, p50, p99);
    }

    /** Lag from the origin accepting a write to the peer's processor applying it, sorted. */
    private static long[] lags(List<PostWrite> writes, CollectorFixture unicom) {
        return writes.stream()
            .mapToLong((write) -> unicom.processor.appliedAtMillis(write.getRequestId()) - write.getAcceptedAtMs())
            .sorted()
            .toArray();
    }

    /** Fills the transport with the link cut (outbox, or telecom's topic), then measures only the drain. */
    private static Duration drain(ManagedChannel reshipChannel, CollectorFixture unicom, int writes) throws Exception {
        unicom.infrastructure.link().cut();
        int before = unicom.processor.handedCount();
        ReshipLoad.submitAll(reshipChannel, writes, 8, 100);
        // Kafka: let the publisher move the outbox into telecom's topic, so that only the hop across is measured.
        LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(3));
        long started = System.nanoTime();
        unicom.infrastructure.link().heal();
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(5))
            .until(() -> unicom.processor.handedCount() >= before + writes);
        return Duration.ofNanos(System.nanoTime() - started);
    }

}
