package io.wmb.gateway.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The build generates the bean definitions twice, once per role, and both land in one jar: a class both runs
 * generate (most of them: auto-configurations, the shared configuration) must then be the same in both, or one
 * role would run with the other's copy. Reads what {@code process-aot} wrote when this module was packaged.
 */
class AheadOfTimeDefinitionsIntegrationTests {

    private static final Path EDGE = Path.of("target", "spring-aot", "main", "sources");

    private static final Path DATACENTER = Path.of("target", "spring-aot-datacenter", "sources");

    @Test
    void shouldGenerateTheClassesBothRolesShareTheSameWay() throws IOException {
        Set<Path> edge = sources(EDGE);
        Set<Path> datacenter = sources(DATACENTER);
        Set<Path> shared = new TreeSet<>(edge);
        shared.retainAll(datacenter);

        assertThat(shared).hasSizeGreaterThan(100);
        for (Path source : shared) {
            assertThat(Files.readString(DATACENTER.resolve(source))).as(source.toString())
                .isEqualTo(Files.readString(EDGE.resolve(source)));
        }
    }

    @Test
    void shouldGenerateEachRolesOwnConfigurationOnlyForIt() throws IOException {
        Set<Path> edge = sources(EDGE);
        Set<Path> datacenter = sources(DATACENTER);

        assertThat(edge).contains(Path.of("io/wmb/gateway/GatewayApplication__ApplicationContextInitializer.java"),
                Path.of("io/wmb/gateway/config/EdgeConfiguration__BeanDefinitions.java"))
            .doesNotContain(Path.of("io/wmb/gateway/config/DatacenterConfiguration__BeanDefinitions.java"));
        assertThat(datacenter)
            .contains(Path.of("io/wmb/gateway/DatacenterGatewayApplication__ApplicationContextInitializer.java"),
                    Path.of("io/wmb/gateway/config/DatacenterConfiguration__BeanDefinitions.java"))
            .doesNotContain(Path.of("io/wmb/gateway/config/EdgeConfiguration__BeanDefinitions.java"));
    }

    private static Set<Path> sources(Path root) throws IOException {
        assertThat(root).as("generated when the module was packaged").isDirectory();
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile)
                .map(root::relativize)
                .collect(Collectors.toCollection(TreeSet::new));
        }
    }

}
