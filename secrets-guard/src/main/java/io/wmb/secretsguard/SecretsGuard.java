package io.wmb.secretsguard;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Refuses to start a service in the {@value #PRODUCTION_PROFILE} profile while any secret it has is blank or still
 * the repository's demo default. The check runs once the environment is prepared (configuration files, environment
 * variables and profiles resolved), before any bean is created, so nothing connects anywhere with a demo secret.
 */
public final class SecretsGuard implements ApplicationListener<ApplicationEnvironmentPreparedEvent> {

    /** The profile that marks a production deployment. */
    public static final String PRODUCTION_PROFILE = "prod";

    /** Every secret of the services with its demo default; a service is checked for those it has. */
    public static final List<DemoSecret> DEMO_SECRETS = List.of(
            new DemoSecret("WMB_OPERATOR_TOKEN", "wmb.processor.operator-token", "wmb-operator-demo"),
            new DemoSecret("WMB_OPERATOR_TOKEN", "wmb.reconciler.operator-token", "wmb-operator-demo"),
            new DemoSecret("WMB_OPERATOR_TOKEN", "wmb.gateway.operators.*", "wmb-operator-demo"),
            new DemoSecret("WMB_PEER_SECRET", "wmb.reship.collector.secret", "wmb-local-demo-peer-secret"),
            new DemoSecret("WMB_PEER_SECRET", "wmb.collector.peer.secret", "wmb-local-demo-peer-secret"),
            new DemoSecret("WMB_MYSQL_PASSWORD", "spring.datasource.password", "wmb"));

    private final List<DemoSecret> secrets;

    /** A guard for the repository's demo secrets. */
    public SecretsGuard() {
        this(DEMO_SECRETS);
    }

    /** A guard for the given secrets. */
    public SecretsGuard(List<DemoSecret> secrets) {
        this.secrets = List.copyOf(secrets);
    }

    /**
     * Adds the guard to an application: {@code SecretsGuard.protect(new SpringApplication(X.class)).run(args)}.
     * @return the same application
     */
    public static SpringApplication protect(SpringApplication application) {
        application.addListeners(new SecretsGuard());
        return application;
    }

    @Override
    public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
        check(event.getEnvironment());
    }

    /**
     * Checks the secrets when the production profile is active.
     * @throws DemoSecretException naming every blank or demo secret
     */
    public void check(ConfigurableEnvironment environment) {
        if (!environment.matchesProfiles(PRODUCTION_PROFILE)) {
            return;
        }
        Binder binder = Binder.get(environment);
        List<String> problems = new ArrayList<>();
        for (DemoSecret secret : this.secrets) {
            values(binder, environment, secret).forEach((property, value) -> {
                if (value == null || value.isBlank()) {
                    problems.add(secret.variable() + " (" + property + ") is blank");
                }
                else if (value.equals(secret.demoValue())) {
                    problems.add(secret.variable() + " (" + property + ") is the repository's demo value");
                }
            });
        }
        if (!problems.isEmpty()) {
            throw new DemoSecretException(problems);
        }
    }

    /** The secret's values by property; empty when this service has no such property. */
    private static Map<String, String> values(Binder binder, ConfigurableEnvironment environment, DemoSecret secret) {
        Map<String, String> values = new TreeMap<>();
        if (secret.isMap()) {
            binder.bind(secret.prefix(), Bindable.mapOf(String.class, String.class))
                .ifBound((map) -> map.forEach((key, value) -> values.put(secret.prefix() + "." + key, value)));
        }
        else if (environment.containsProperty(secret.property())) {
            values.put(secret.property(), environment.getProperty(secret.property()));
        }
        return values;
    }
}
