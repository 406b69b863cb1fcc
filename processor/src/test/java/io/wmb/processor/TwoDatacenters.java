package io.wmb.processor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.wmb.infra.Datacenter;
import io.wmb.infra.Infrastructure;
import io.wmb.processor.apply.GrpcServerLifecycle;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Both datacenters' processors, running once per test JVM against the shared real servers: unicom owns the MySQL
 * master, telecom writes only its Redis and reads the replica. Each hands its writes to a {@link TestReship} that
 * applies them through the other's gRPC {@code Apply}, as reship and collector do between the real datacenters.
 * Tests isolate themselves by post and author ids, never by restarting these.
 */
final class TwoDatacenters {

    private static TwoDatacenters shared;

    final Infrastructure infrastructure;

    final Processor unicom;

    final Processor telecom;

    /** The link route through which both processors reach Elasticsearch, so that a test can take it away. */
    final int elasticsearchRoutePort;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TwoDatacenters() throws IOException {
        infrastructure = Infrastructure.shared();
        int elasticsearchPort = URI.create(infrastructure.elasticsearchUrl()).getPort();
        elasticsearchRoutePort = infrastructure.link().open("processor-tests-elasticsearch", elasticsearchPort);
        unicom = start(Datacenter.UNICOM, true);
        telecom = start(Datacenter.TELECOM, false);
        unicom.reship.forwardTo(telecom.grpcPort);
        telecom.reship.forwardTo(unicom.grpcPort);
    }

    static synchronized TwoDatacenters shared() {
        if (shared == null) {
            try {
                shared = new TwoDatacenters();
            }
            catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "processor-tests-shutdown"));
        }
        return shared;
    }

    private Processor start(Datacenter dc, boolean ownsMaster) throws IOException {
        TestReship reship = new TestReship();
        Path spill = Files.createTempDirectory(Path.of("target"), "spill-" + dc.id() + "-");
        Map<String, Object> properties = new HashMap<>();
        properties.put("server.port", 0);
        properties.put("wmb.processor.grpc.port", 0);
        properties.put("wmb.processor.datacenter", dc.id());
        properties.put("wmb.processor.owns-master", ownsMaster);
        properties.put("spring.flyway.enabled", ownsMaster);
        properties.put("spring.datasource.url", infrastructure.mysqlUrl(dc));
        properties.put("spring.datasource.username", infrastructure.mysqlUser());
        properties.put("spring.datasource.password", infrastructure.mysqlPassword());
        properties.put("spring.datasource.hikari.maximum-pool-size", 16);
        properties.put("wmb.processor.redis.url", infrastructure.redisUrl(dc));
        properties.put("wmb.processor.reship.target", "127.0.0.1:" + reship.port());
        properties.put("wmb.processor.reship.deadline", "3s");
        // Only the passes a test calls, the one at start-up and those reship's return asks for: a pass every few
        // seconds would hide whether the last worked, and could take intents a test meant to recover itself.
        properties.put("wmb.processor.recovery.interval", "1h");
        properties.put("wmb.processor.processing-log.elasticsearch-url", "http://127.0.0.1:" + elasticsearchRoutePort);
        properties.put("wmb.processor.processing-log.spill-directory", spill.toAbsolutePath().toString());
        // As command-line arguments: they outrank application.yml, unlike default properties.
        String[] args = properties.entrySet().stream()
            .map(entry -> "--" + entry.getKey() + "=" + entry.getValue())
            .toArray(String[]::new);
        ConfigurableApplicationContext context = new SpringApplicationBuilder(ProcessorApplication.class).run(args);
        int httpPort = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
        int grpcPort = context.getBean(GrpcServerLifecycle.class).port();
        return new Processor(dc, context, httpPort, grpcPort, reship);
    }

    /** Sends a request to a processor's REST API. */
    HttpResponse<String> send(Processor processor, String method, String path, String json,
            Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + processor.httpPort + path))
            .timeout(Duration.ofSeconds(15))
            .method(method, (json == null) ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        headers.forEach(request::header);
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private void close() {
        for (Processor processor : new Processor[] { telecom, unicom }) {
            processor.context.close();
            try {
                processor.reship.close();
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * One datacenter's processor.
     *
     * @param dc its datacenter
     * @param context its application context
     * @param httpPort its REST port
     * @param grpcPort its gRPC port
     * @param reship the reship it hands writes to
     */
    record Processor(Datacenter dc, ConfigurableApplicationContext context, int httpPort, int grpcPort,
            TestReship reship) {
    }

}
