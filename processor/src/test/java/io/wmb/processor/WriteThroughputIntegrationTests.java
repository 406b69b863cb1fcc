package io.wmb.processor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Measures end-to-end writes per second of unicom's processor with {@code wrk} (Debian package): validate, version,
 * MySQL master, Redis, reship hand-off (the test reship applies each batch in telecom), processing log. Opt-in,
 * because it takes the machine for a while: {@code -Dwmb.benchmark=true}.
 */
@EnabledIfSystemProperty(named = "wmb.benchmark", matches = "true")
class WriteThroughputIntegrationTests extends IntegrationTestSupport {

    @Test
    void shouldMeasureCreatesPerSecond() throws IOException, InterruptedException {
        Path script = Files.createTempFile(Path.of("target"), "create-", ".lua");
        Files.writeString(script, """
                wrk.method = "POST"
                wrk.headers["Content-Type"] = "application/json"
                counter = 0
                request = function()
                  counter = counter + 1
                  local body = '{"authorId": ' .. (counter % 1000 + 1) .. ', "content": "benchmark post ' .. counter .. '"}'
                  return wrk.format(nil, "/api/posts", nil, body)
                end
                """, StandardCharsets.UTF_8);
        String url = "http://127.0.0.1:" + unicom.httpPort();
        // Warm-up (JIT, pools), then the measured run.
        run("wrk", "-t2", "-c32", "-d10s", "-s", script.toString(), url);
        String report = run("wrk", "-t2", "-c32", "-d20s", "--latency", "-s", script.toString(), url);
        System.out.println("Create throughput of unicom's processor:\n" + report);
        String metrics = call(unicom, "GET", "/actuator/prometheus", null).body();
        metrics.lines()
            .filter(line -> line.matches("wmb_processor_(mysql|redis)_seconds_(count|sum).*")
                    || line.matches("hikaricp_connections_(acquire|usage)_seconds_(count|sum).*")
                    || line.matches("wmb_processor_writes_seconds_(count|sum)\\{.*kind=\"CREATE\",outcome=\"OK\".*"))
            .forEach(System.out::println);
        assertThat(report).contains("Requests/sec").doesNotContain("Non-2xx");
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return output;
    }

}
