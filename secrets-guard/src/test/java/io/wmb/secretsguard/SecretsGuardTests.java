package io.wmb.secretsguard;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The guard's rules, on real Spring environments. */
class SecretsGuardTests {

    private final SecretsGuard guard = new SecretsGuard();

    @Test
    void shouldCheckNothingWithoutTheProdProfile() {
        assertThatNoException().isThrownBy(() -> this.guard.check(environment(null, processorWithDemoSecrets())));
        assertThatNoException().isThrownBy(() -> this.guard.check(environment("docker", processorWithDemoSecrets())));
    }

    @Test
    void shouldRefuseTheDemoOperatorTokenNamingItsVariable() {
        Map<String, Object> properties = processorWithOwnSecrets();
        properties.put("wmb.processor.operator-token", "wmb-operator-demo");
        assertThatThrownBy(() -> this.guard.check(environment("prod", properties)))
            .isInstanceOf(DemoSecretException.class)
            .hasMessageContaining("WMB_OPERATOR_TOKEN (wmb.processor.operator-token) is the repository's demo value")
            .hasMessageNotContaining("WMB_MYSQL_PASSWORD");
    }

    @Test
    void shouldRefuseTheDemoMysqlPassword() {
        Map<String, Object> properties = processorWithOwnSecrets();
        properties.put("spring.datasource.password", "wmb");
        assertThatThrownBy(() -> this.guard.check(environment("prod", properties)))
            .hasMessageContaining("WMB_MYSQL_PASSWORD (spring.datasource.password) is the repository's demo value");
    }

    @Test
    void shouldRefuseTheDemoPeerSecretInReshipAndCollector() {
        assertThatThrownBy(() -> this.guard.check(environment("prod",
                Map.of("wmb.reship.collector.secret", "wmb-local-demo-peer-secret"))))
            .hasMessageContaining("WMB_PEER_SECRET (wmb.reship.collector.secret)");
        assertThatThrownBy(() -> this.guard.check(environment("prod",
                Map.of("wmb.collector.peer.secret", "wmb-local-demo-peer-secret"))))
            .hasMessageContaining("WMB_PEER_SECRET (wmb.collector.peer.secret)");
    }

    @Test
    void shouldRefuseABlankSecret() {
        Map<String, Object> properties = processorWithOwnSecrets();
        properties.put("wmb.processor.operator-token", " ");
        assertThatThrownBy(() -> this.guard.check(environment("prod", properties)))
            .hasMessageContaining("WMB_OPERATOR_TOKEN (wmb.processor.operator-token) is blank");
    }

    @Test
    void shouldRefuseTheDemoTokenAmongTheGatewaysOperators() {
        assertThatThrownBy(() -> this.guard.check(environment("prod",
                Map.of("wmb.gateway.operators.alice", "a-long-token-of-alice",
                        "wmb.gateway.operators.operator", "wmb-operator-demo"))))
            .hasMessageContaining("WMB_OPERATOR_TOKEN (wmb.gateway.operators.operator)")
            .hasMessageNotContaining("alice");
    }

    @Test
    void shouldResolveTheDemoDefaultOfAPlaceholderWhoseVariableIsUnset() {
        assertThatThrownBy(() -> this.guard.check(environment("prod",
                Map.of("wmb.reconciler.operator-token", "${WMB_TEST_UNSET_TOKEN:wmb-operator-demo}"))))
            .hasMessageContaining("WMB_OPERATOR_TOKEN (wmb.reconciler.operator-token)");
    }

    @Test
    void shouldNameEveryOffendingSecretAtOnce() {
        DemoSecretException refused = (DemoSecretException) catchRefusal(environment("prod",
                processorWithDemoSecrets()));
        assertThat(refused.problems()).hasSize(2)
            .anySatisfy((problem) -> assertThat(problem).startsWith("WMB_OPERATOR_TOKEN"))
            .anySatisfy((problem) -> assertThat(problem).startsWith("WMB_MYSQL_PASSWORD"));
    }

    @Test
    void shouldAcceptOwnSecretsAndIgnoreSecretsTheServiceDoesNotHave() {
        assertThatNoException().isThrownBy(() -> this.guard.check(environment("prod", processorWithOwnSecrets())));
        assertThatNoException().isThrownBy(() -> this.guard.check(environment("prod", Map.of("unrelated", "x"))));
    }

    @Test
    void shouldStopARealApplicationFromStartingInProdWithADemoSecret() {
        SpringApplication application = application(Map.of("wmb.processor.operator-token", "wmb-operator-demo"));
        assertThatThrownBy(() -> application.run("--spring.profiles.active=prod"))
            .isInstanceOf(DemoSecretException.class)
            .hasMessageContaining("WMB_OPERATOR_TOKEN");
        try (ConfigurableApplicationContext context = application.run("--spring.profiles.active=prod",
                "--wmb.processor.operator-token=my-own-operator-token")) {
            assertThat(context.isRunning()).isTrue();
        }
    }

    private static SpringApplication application(Map<String, Object> defaults) {
        SpringApplication application = SecretsGuard.protect(new SpringApplication(EmptyConfiguration.class));
        application.setWebApplicationType(WebApplicationType.NONE);
        application.setDefaultProperties(defaults);
        return application;
    }

    private RuntimeException catchRefusal(StandardEnvironment environment) {
        try {
            this.guard.check(environment);
        }
        catch (DemoSecretException ex) {
            return ex;
        }
        throw new AssertionError("expected the guard to refuse " + environment);
    }

    private static Map<String, Object> processorWithDemoSecrets() {
        Map<String, Object> properties = new HashMap<>();
        properties.put("wmb.processor.operator-token", "wmb-operator-demo");
        properties.put("spring.datasource.password", "wmb");
        return properties;
    }

    private static Map<String, Object> processorWithOwnSecrets() {
        Map<String, Object> properties = new HashMap<>();
        properties.put("wmb.processor.operator-token", "a-token-of-our-own");
        properties.put("spring.datasource.password", "a-password-of-our-own");
        return properties;
    }

    private static StandardEnvironment environment(String profile, Map<String, Object> properties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
        if (profile != null) {
            environment.setActiveProfiles(profile);
        }
        return environment;
    }

    @Configuration(proxyBeanMethods = false)
    static class EmptyConfiguration {
    }
}
