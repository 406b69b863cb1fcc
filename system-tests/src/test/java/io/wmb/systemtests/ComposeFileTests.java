package io.wmb.systemtests;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Docker is not available on this project's machines, so {@code docker-compose.yml} is checked statically: it
 * parses, every image is pinned, every build has its Dockerfile, and each WMB service is given only the
 * environment variables its own {@code application.yml} reads, on the ports the local demo uses.
 */
class ComposeFileTests {

    private static final Path REPOSITORY = Path.of(System.getProperty("wmb.repository", "..")).toAbsolutePath();

    /** Variables every service image understands besides the service's own configuration. */
    private static final Set<String> IMAGE_VARIABLES = Set.of("WMB_MODULE", "JAVA_OPTS");

    private static final Map<String, Integer> DEMO_HTTP_PORTS = Map.ofEntries(Map.entry("edge", 8080),
            Map.entry("gateway-unicom", 8081), Map.entry("gateway-telecom", 8082),
            Map.entry("processor-unicom", 8101), Map.entry("processor-telecom", 8102),
            Map.entry("reship-unicom", 8111), Map.entry("reship-telecom", 8112),
            Map.entry("collector-unicom", 8121), Map.entry("collector-telecom", 8122),
            Map.entry("reconciler-unicom", 8131), Map.entry("reconciler-telecom", 8132));

    private static Map<String, Map<String, Object>> services;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void parseComposeFile() throws IOException {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(200);
        try (InputStream in = Files.newInputStream(REPOSITORY.resolve("docker-compose.yml"))) {
            Map<String, Object> compose = new Yaml(new SafeConstructor(options)).load(in);
            services = (Map<String, Map<String, Object>>) compose.get("services");
        }
    }

    @Test
    void shouldDescribeBothDatacentersAndTheEdge() {
        assertThat(services).containsKeys("mysql-unicom", "mysql-telecom", "mysql-replication", "redis-unicom",
                "redis-telecom", "elasticsearch", "link", "edge");
        assertThat(services).containsKeys(DEMO_HTTP_PORTS.keySet().toArray(String[]::new));
    }

    @Test
    void shouldPinEveryImageTag() {
        services.forEach((name, service) -> {
            String image = (String) service.get("image");
            assertThat(image).as("image of %s", name).isNotNull();
            assertThat(image).as("image of %s", name).matches(".+:[0-9][^:]*").doesNotEndWith(":latest");
        });
    }

    @Test
    void shouldBuildFromAnExistingDockerfile() {
        services.values().stream().filter((service) -> service.containsKey("build")).forEach((service) -> {
            Map<?, ?> build = (Map<?, ?>) service.get("build");
            Path dockerfile = REPOSITORY.resolve((String) build.get("context"))
                .resolve((String) build.get("dockerfile"));
            assertThat(dockerfile).isRegularFile();
        });
    }

    @Test
    void shouldLimitMemoryAndCheckHealthOfEveryLongRunningService() {
        services.forEach((name, service) -> {
            if (!"no".equals(service.get("restart"))) {
                assertThat(service).as(name).containsKey("mem_limit");
                assertThat(service).as(name).containsKey("healthcheck");
            }
        });
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldStartServicesOnlyAfterTheirDependenciesAreHealthy() {
        services.forEach((name, service) -> {
            Object dependsOn = service.get("depends_on");
            if (dependsOn instanceof Map<?, ?> map) {
                ((Map<String, Map<String, String>>) map).forEach((dependency, condition) -> {
                    assertThat(services).as("%s depends on %s", name, dependency).containsKey(dependency);
                    assertThat(condition.get("condition")).as("%s -> %s", name, dependency)
                        .isIn("service_healthy", "service_completed_successfully");
                });
            }
        });
    }

    @Test
    void shouldGiveEachServiceOnlyVariablesItsConfigurationReads() throws IOException {
        for (Map.Entry<String, Map<String, Object>> entry : services.entrySet()) {
            Map<String, String> env = environment(entry.getValue());
            String module = env.get("WMB_MODULE");
            if (module == null || "infra".equals(module)) {
                continue;
            }
            Set<String> read = variablesRead(module);
            Set<String> unknown = new TreeSet<>(env.keySet());
            unknown.removeAll(read);
            unknown.removeAll(IMAGE_VARIABLES);
            assertThat(unknown).as("variables of %s that %s/application.yml never reads", entry.getKey(), module)
                .isEmpty();
        }
    }

    @Test
    void shouldRunEachServiceOnItsDemoPort() {
        DEMO_HTTP_PORTS.forEach((name, port) -> {
            Map<String, String> env = environment(services.get(name));
            assertThat(env.get("SERVER_PORT")).as("SERVER_PORT of %s", name).isEqualTo(Integer.toString(port));
            Object ports = services.get(name).get("ports");
            if (ports != null) {
                assertThat(((List<?>) ports).stream().map(String::valueOf)).as("published ports of %s", name)
                    .contains(port + ":" + port);
            }
        });
    }

    private static Map<String, String> environment(Map<String, Object> service) {
        Map<String, String> env = new LinkedHashMap<>();
        Object raw = service.get("environment");
        if (raw instanceof Map<?, ?> map) {
            map.forEach((key, value) -> env.put(String.valueOf(key), String.valueOf(value)));
        }
        return env;
    }

    /** Every {@code ${NAME...}} placeholder of the module's configuration. */
    private static Set<String> variablesRead(String module) throws IOException {
        String yaml = Files.readString(REPOSITORY.resolve(module).resolve("src/main/resources/application.yml"));
        Set<String> names = new TreeSet<>();
        Matcher matcher = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)").matcher(yaml);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

}
