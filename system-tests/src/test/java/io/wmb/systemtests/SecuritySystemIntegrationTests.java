package io.wmb.systemtests;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.wmb.proto.v1.CollectorGrpc;
import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.WriteBatch;
import io.wmb.proto.v1.WriteKind;
import io.wmb.systemtests.faults.FaultDemo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Who may do what, against the running demo: the collector only takes writes from the configured peer datacenter
 * with the shared secret; operator changes (edge, gateways, reconcilers, processors) need the operator token; the
 * dashboard never renders server data as HTML.
 */
class SecuritySystemIntegrationTests {

    /** The demo's peer secret (infra's ServiceTable); a real deployment sets WMB_PEER_SECRET. */
    private static final String DEMO_PEER_SECRET = "wmb-local-demo-peer-secret";

    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);

    private static final Metadata.Key<String> DATACENTER = Metadata.Key.of("wmb-datacenter",
            Metadata.ASCII_STRING_MARSHALLER);

    private static FaultDemo demo;

    @BeforeAll
    static void startBothDatacenters() {
        RunningDemo.shared();
        demo = new FaultDemo(RunningDemo.PORT_OFFSET);
    }

    @Test
    void shouldRefuseCollectorCallersThatAreNotThePeer() throws Exception {
        long postId = ThreadLocalRandom.current().nextLong(1L << 40, 1L << 50);
        WriteBatch batch = WriteBatch.newBuilder()
            .addWrites(PostWrite.newBuilder()
                .setRequestId("intruder-" + postId)
                .setOriginDatacenter("telecom")
                .setKind(WriteKind.WRITE_KIND_CREATE)
                .setPostId(postId)
                .setVersion(System.currentTimeMillis() << 20 | 2)
                .setAuthorId(666)
                .setContent("written by an intruder")
                .setCreatedAtMs(System.currentTimeMillis())
                .setUpdatedAtMs(System.currentTimeMillis())
                .setAcceptedAtMs(System.currentTimeMillis()))
            .build();
        // unicom's collector takes writes from telecom only, with the shared secret.
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", demo.collectorGrpcPort("unicom"))
            .usePlaintext()
            .build();
        try {
            assertThat(deliver(channel, batch, null, null)).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(deliver(channel, batch, "Bearer wrong-secret", "telecom")).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(deliver(channel, batch, DEMO_PEER_SECRET, "telecom"))
                .as("the secret without 'Bearer '").isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(deliver(channel, batch, "Bearer " + DEMO_PEER_SECRET, "unicom"))
                .as("its own datacenter").isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(deliver(channel, batch, "Bearer " + DEMO_PEER_SECRET, "mars"))
                .isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(deliver(channel, batch, "Bearer " + DEMO_PEER_SECRET, null))
                .isEqualTo(Status.Code.PERMISSION_DENIED);
        }
        finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        try (Connection connection = DriverManager.getConnection(demo.mysqlUrl("unicom"), "wmb", "wmb");
                PreparedStatement statement = connection.prepareStatement("SELECT COUNT(*) FROM posts WHERE id = ?")) {
            statement.setLong(1, postId);
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                assertThat(row.getLong(1)).as("the intruder's post in MySQL").isZero();
            }
        }
        HttpResponse<String> read = send("GET", demo.processor("unicom", "/api/posts/" + postId), null, null);
        assertThat(read.statusCode()).isEqualTo(404);
    }

    @Test
    void shouldRefuseOperatorChangesWithoutTheOperatorToken() {
        Map<URI, String> changes = Map.of(
                demo.edge("/ops/regions/north/shift"), "{\"percent\": 100}",
                demo.edge("/ops/datacenters/unicom/drain"), "{\"drained\": true}",
                demo.gateway("unicom", "/ops/remote-weight"), "{\"percent\": 100}",
                demo.gateway("telecom", "/ops/datacenters/telecom/drain"), "{\"drained\": true}",
                demo.processor("telecom", "/ops/database-owner"), "{\"ownsMaster\": true}",
                demo.processor("unicom", "/ops/database-owner"), "{\"ownsMaster\": false}");
        String settingsBefore = send("GET", demo.edge("/ops/settings"), null, null).body();
        for (Map.Entry<URI, String> change : changes.entrySet()) {
            for (String token : new String[] { null, "Bearer not-the-token", "Basic d21iOndtYg==" }) {
                HttpResponse<String> response = send("PUT", change.getKey(), change.getValue(), token);
                assertThat(response.statusCode()).as("PUT %s with %s: %s", change.getKey(), token, response.body())
                    .isEqualTo(401);
                assertThat(response.headers().firstValue("Content-Type")).as("%s", change.getKey())
                    .hasValueSatisfying((type) -> assertThat(type).startsWith("application/problem+json"));
            }
        }
        for (URI post : List.of(demo.reconciler("unicom", "/api/reconciler/scan"),
                demo.reconciler("telecom", "/api/reconciler/scan"), demo.edge("/ops/link/cut"))) {
            HttpResponse<String> response = send("POST", post, null, null);
            assertThat(response.statusCode()).as("POST %s: %s", post, response.body()).isEqualTo(401);
        }
        assertThat(send("GET", demo.edge("/ops/settings"), null, null).body()).as("settings unchanged")
            .isEqualTo(settingsBefore);
        assertThat(send("GET", demo.processor("unicom", "/ops/database-owner"), null, null).body())
            .contains("\"ownsMaster\":true");
        assertThat(send("GET", demo.processor("telecom", "/ops/database-owner"), null, null).body())
            .contains("\"ownsMaster\":false");
    }

    @Test
    void shouldNeverRenderServerDataAsHtmlOnTheDashboard() {
        HttpResponse<String> page = send("GET", demo.edge("/"), null, null);
        assertThat(page.statusCode()).isEqualTo(200);
        HttpResponse<String> script = send("GET", demo.edge("/dashboard.js"), null, null);
        assertThat(script.statusCode()).isEqualTo(200);
        // Everything the dashboard shows comes from the server (region names, dead letters, audit entries): it is
        // put on the page with textContent, never parsed as HTML.
        assertThat(script.body()).contains("textContent")
            .doesNotContain("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                    "new Function");
        assertThat(page.body()).doesNotContain("onerror=", "javascript:");
    }

    private static Status.Code deliver(ManagedChannel channel, WriteBatch batch, String authorization,
            String datacenter) {
        Metadata metadata = new Metadata();
        if (authorization != null) {
            metadata.put(AUTHORIZATION, authorization);
        }
        if (datacenter != null) {
            metadata.put(DATACENTER, datacenter);
        }
        CollectorGrpc.CollectorBlockingStub stub = CollectorGrpc.newBlockingStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata))
            .withDeadlineAfter(10, TimeUnit.SECONDS);
        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
                () -> stub.deliver(batch));
        return (refused != null) ? refused.getStatus().getCode() : Status.Code.OK;
    }

    private static HttpResponse<String> send(String method, URI uri, String body, String authorization) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20));
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        if (body != null) {
            builder.header("Content-Type", "application/json");
        }
        builder.method(method, (body != null) ? HttpRequest.BodyPublishers.ofString(body)
                : HttpRequest.BodyPublishers.noBody());
        return RunningDemo.shared().send(builder.build());
    }
}
