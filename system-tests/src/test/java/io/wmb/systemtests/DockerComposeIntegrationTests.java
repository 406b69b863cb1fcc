package io.wmb.systemtests;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.testcontainers.containers.ComposeContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Runs {@code docker-compose.yml} itself where Docker is available (skipped cleanly where it is not, as on this
 * project's CI machines, which check the file statically in {@link ComposeFileTests}): a write through the edge
 * to unicom is read from telecom's gateway.
 */
@Testcontainers(disabledWithoutDocker = true)
class DockerComposeIntegrationTests {

    private static final Path REPOSITORY = Path.of(System.getProperty("wmb.repository", "..")).toAbsolutePath();

    @Container
    static final ComposeContainer compose = new ComposeContainer(
            REPOSITORY.resolve("docker-compose.yml").toFile())
        .withBuild(true)
        .withExposedService("edge", 8080, Wait.forHttp("/actuator/health")
            .withStartupTimeout(Duration.ofMinutes(15)))
        .withExposedService("gateway-telecom", 8082, Wait.forHttp("/actuator/health")
            .withStartupTimeout(Duration.ofMinutes(15)));

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldReplicateANorthernWriteToTelecom() throws Exception {
        HttpResponse<String> created = this.http.send(HttpRequest.newBuilder(url("edge", 8080, "/api/posts"))
            .header("Content-Type", "application/json")
            .header("X-Region", "north")
            .POST(HttpRequest.BodyPublishers.ofString("{\"authorId\":7,\"content\":\"from compose\"}"))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).isEqualTo(201);
        long id = JsonMapper.builder().build().readTree(created.body()).get("id").asLong();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(this.http
            .send(HttpRequest.newBuilder(url("gateway-telecom", 8082, "/api/posts/" + id)).build(),
                    HttpResponse.BodyHandlers.ofString())
            .statusCode()).isEqualTo(200));
    }

    private static URI url(String service, int port, String path) {
        return URI.create("http://" + compose.getServiceHost(service, port) + ":"
                + compose.getServicePort(service, port) + path);
    }

}
