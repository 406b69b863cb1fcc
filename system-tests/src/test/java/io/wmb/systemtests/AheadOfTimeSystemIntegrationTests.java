package io.wmb.systemtests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ./wmb up} starts every service from the bean definitions Spring AOT generated when it was built (the
 * gateway has a set per role), and a service refuses such a start where its role or transport is another.
 */
class AheadOfTimeSystemIntegrationTests {

    private static final String AHEAD_OF_TIME = "Starting AOT-processed";

    @TempDir
    Path temp;

    @Test
    void shouldStartEveryServiceFromTheAheadOfTimeDefinitionsEachGatewayFromThoseOfItsRole() {
        RunningDemo demo = RunningDemo.shared();

        for (String service : List.of("processor-unicom", "processor-telecom", "reship-unicom", "reship-telecom",
                "collector-unicom", "collector-telecom", "reconciler-unicom", "reconciler-telecom")) {
            assertThat(demo.log(service)).as(service).contains(AHEAD_OF_TIME);
        }
        assertThat(demo.log("edge")).contains(AHEAD_OF_TIME + " GatewayApplication");
        for (String service : List.of("gateway-unicom", "gateway-telecom")) {
            assertThat(demo.log(service)).as(service).contains(AHEAD_OF_TIME + " DatacenterGatewayApplication");
        }
    }

    /**
     * The gateway picks the definitions of its role from the command line, system properties and environment
     * before it starts; a role only its configuration names ({@code SPRING_APPLICATION_JSON} here) would run the
     * edge's definitions, and is refused. Reship and collector are built for gRPC only.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "gateway | SPRING_APPLICATION_JSON | {\"wmb.gateway.role\":\"datacenter\"} | datacenter",
        "reship | WMB_TRANSPORT | kafka | kafka", "collector | WMB_TRANSPORT | kafka | kafka" })
    void shouldRefuseAnAheadOfTimeStartWithAnotherRoleOrTransport(String module, String variable, String value,
            String shown) throws Exception {
        Path jar = execJar(RunningDemo.shared().repository().resolve(module).resolve("target"), module);
        Path output = this.temp.resolve(module + ".log");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
            .toString(), "-Xmx128m", "-XX:TieredStopAtLevel=1", "-Dspring.aot.enabled=true", "-jar", jar.toString())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile());
        // Ports and folders of its own: the refusal must come before anything is bound, but should it not, this
        // service stays clear of any demo on this machine.
        builder.environment().put(variable, value);
        builder.environment().put("SERVER_PORT", "0");
        builder.environment().put("WMB_GRPC_PORT", "0");
        builder.environment().put("WMB_DATA_DIR", this.temp.resolve("data").toString());
        Process process = builder.start();
        try {
            assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("exited").isTrue();
        }
        finally {
            process.destroyForcibly();
        }

        String log = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(log).isNotZero();
        assertThat(log).contains(AHEAD_OF_TIME)
            .contains("=" + shown + " cannot start from the ahead-of-time bean definitions");
    }

    private static Path execJar(Path target, String module) throws IOException {
        try (Stream<Path> files = Files.list(target)) {
            return files.filter((file) -> file.getFileName().toString().startsWith("wmb-" + module + "-")
                    && file.getFileName().toString().endsWith("-exec.jar"))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("No exec jar of " + module + " in " + target));
        }
    }

}
