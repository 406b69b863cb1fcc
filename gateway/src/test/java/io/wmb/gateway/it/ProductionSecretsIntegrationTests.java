package io.wmb.gateway.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real gateway process started as its jar starts it ({@code main}), with the prod profile: it refuses the
 * repository's demo operator token, naming {@code WMB_OPERATOR_TOKEN}, and runs with a token of its own, which its
 * operator API then requires. (A blank token and the other secrets: {@code SecretsGuardTests}.)
 */
class ProductionSecretsIntegrationTests {

    private static final Path DATA = GatewayTopology.shared().dataDir.resolve("prod-secrets");

    @Test
    void shouldRefuseToStartInProdWithTheDemoOperatorToken() throws IOException {
        Path log = DATA.resolve("demo-token.log");
        int exit = GatewayProcess.runUntilExit(log, arguments("demo-token"), Map.of("SPRING_PROFILES_ACTIVE", "prod"),
                Duration.ofMinutes(3));
        String output = Files.readString(log);
        assertThat(exit).as(output).isNotIn(0, -1);
        assertThat(output).contains("APPLICATION FAILED TO START")
            .contains("WMB_OPERATOR_TOKEN (wmb.gateway.operators.operator) is the repository's demo value");
    }

    @Test
    void shouldStartInProdWithATokenOfItsOwnAndRequireIt() {
        String token = "a-production-token-" + System.nanoTime();
        try (GatewayProcess gateway = GatewayProcess.start(DATA.resolve("own-token.log"), arguments("own-token"),
                Map.of("SPRING_PROFILES_ACTIVE", "prod", "WMB_OPERATOR_TOKEN", token))) {
            String shift = gateway.uri() + "/ops/regions/north/shift";
            assertThat(Http.put(shift, "{\"percent\":0}", Map.of("Authorization", "Bearer wmb-operator-demo"))
                .status()).isEqualTo(401);
            Http.Response accepted = Http.put(shift, "{\"percent\":0}", Map.of("Authorization", "Bearer " + token));
            assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
        }
    }

    private static List<String> arguments(String name) {
        // Nothing else of WMB runs here; the data directory is the test's own.
        return List.of("--wmb.gateway.data-dir=" + DATA.resolve(name), "--wmb.gateway.ops.link=http://127.0.0.1:1");
    }
}
