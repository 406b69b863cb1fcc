package io.wmb.bench;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.wmb.bench.demo.Demo;
import io.wmb.bench.load.HttpLoad;
import io.wmb.bench.load.LoadRequest;
import io.wmb.bench.profile.AsyncProfiler;
import io.wmb.bench.report.Report;

/**
 * One run of {@code ./wmb bench}: what its phases share (the options, the demo, the report being written, the load
 * generator, the targets' lines for the report's last table) and the errands they all run.
 * @param options the command line
 * @param demo the demo under test
 * @param report the report being written
 * @param load the load generator
 * @param replication what the demo has replicated, from its metrics
 * @param asyncProfiler empty where async-profiler has no library: the profiles fall back to JFR
 * @param targets one line per target, "what\tmeasured", for the report's last table
 * @param began when the command started (System.nanoTime()), before the demo: the whole run counts towards the
 *     issue's 15 minutes
 */
record BenchRun(BenchOptions options, Demo demo, Report report, HttpLoad load, Replication replication,
        Optional<AsyncProfiler> asyncProfiler, List<String> targets, long began) {

    private static final Pattern POST_ID = Pattern.compile("\"id\"\\s*:\\s*(\\d+)");

    static BenchRun of(BenchOptions options) throws IOException {
        long began = System.nanoTime();
        Demo demo = new Demo(options.offset());
        Optional<AsyncProfiler> profiler = AsyncProfiler.extract(options.repository()
            .resolve("bench/target/async-profiler"));
        return new BenchRun(options, demo, new Report(options.report()), new HttpLoad(Duration.ofSeconds(10)),
                new Replication(demo), profiler, new ArrayList<>(), began);
    }

    /**
     * Runs a main of another module's test classes, compiling them and writing their classpath first if needed.
     */
    String runTestMain(String module, String mainClass, List<String> args)
            throws IOException, InterruptedException {
        Path moduleDir = this.options.repository().resolve(module);
        Path classpathFile = moduleDir.resolve("target/bench-cp.txt");
        Path classFile = moduleDir.resolve("target/test-classes/" + mainClass.replace('.', '/') + ".class");
        if (!Files.exists(classpathFile) || !Files.exists(classFile)) {
            log("compiling " + module + "'s test classes");
            runProcess(List.of(this.options.repository().resolve("mvnw").toString(), "-B", "-q", "-pl", module,
                    // -am: the module's siblings come from this build, not from a local repository never installed.
                    "-am", "test-compile", "dependency:build-classpath", "-Dmdep.outputFile=target/bench-cp.txt",
                    "-Dcheckstyle.skip"), Duration.ofMinutes(5));
        }
        String classpath = moduleDir.resolve("target/test-classes") + ":" + moduleDir.resolve("target/classes") + ":"
                + Files.readString(classpathFile).trim();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
            .toString(), "-Xmx1g", "-Dwmb.data.dir=" + this.options.repository().resolve(".wmb-data"), "-cp",
                classpath, mainClass));
        command.addAll(args);
        return runProcess(command, Duration.ofMinutes(8));
    }

    private String runProcess(List<String> command, Duration timeout) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(this.options.repository().toFile())
            .redirectErrorStream(true).start();
        StringBuilder output = new StringBuilder();
        Thread reader = new Thread(() -> {
            try {
                for (String text : new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                    .split("\n")) {
                    output.append(text).append('\n');
                }
            }
            catch (IOException ex) {
                output.append("(output lost: ").append(ex).append(")\n");
            }
        });
        reader.start();
        if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            log(command.get(command.size() - 1) + " did not finish within " + timeout);
        }
        reader.join(TimeUnit.SECONDS.toMillis(10));
        String text = output.toString();
        System.out.print(text.lines().filter((line) -> !line.contains(" DEBUG ") && !line.contains(" INFO "))
            .reduce("", (a, b) -> a + b + "\n"));
        return text;
    }

    /** Creates posts directly at the unicom processor and returns their ids, for reads. */
    List<Long> createPosts(int count) throws IOException {
        HttpClient client = HttpClient.newHttpClient();
        List<Long> ids = new ArrayList<>();
        LongFunction<LoadRequest> writes = Workload.writes(this.demo.processorUrl("unicom"), "reads");
        try {
            for (int i = 0; i < count; i++) {
                HttpResponse<String> response = client.send(writes.apply(i).toHttpRequest(),
                        HttpResponse.BodyHandlers.ofString());
                Matcher id = POST_ID.matcher(response.body());
                if (response.statusCode() == 201 && id.find()) {
                    ids.add(Long.parseLong(id.group(1)));
                }
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", ex);
        }
        if (ids.isEmpty()) {
            throw new IOException("could not create a single post at " + this.demo.processorUrl("unicom"));
        }
        return ids;
    }

    /** Services of the demo by name, with their pids (servers included, except a pid-less Elasticsearch). */
    Map<String, Long> servicePids() throws IOException {
        Map<String, Long> pids = new LinkedHashMap<>();
        for (Demo.Component component : this.demo.components()) {
            if (component.pid() > 0 && !"link".equals(component.name())) {
                pids.put(component.name(), component.pid());
            }
        }
        long elasticsearch = findElasticsearchPid();
        if (elasticsearch > 0) {
            pids.put("elasticsearch", elasticsearch);
        }
        pids.put("load generator (this JVM)", ProcessHandle.current().pid());
        return pids;
    }

    /** The Elasticsearch JVM of this demo: the supervisor does not report its pid. */
    long findElasticsearchPid() {
        String root = this.options.dataRoot().toString();
        // The server JVM, not its small command-line launcher.
        return ProcessHandle.allProcesses()
            .filter((process) -> process.info().commandLine().map((line) -> line.contains(
                    "org.elasticsearch.bootstrap.Elasticsearch") && line.contains(root)).orElse(false))
            .mapToLong(ProcessHandle::pid).findFirst().orElse(-1);
    }

    String git(String... args) {
        try {
            List<String> command = new ArrayList<>(List.of("git"));
            command.addAll(List.of(args));
            Process process = new ProcessBuilder(command).directory(this.options.repository().toFile()).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            process.waitFor();
            return out.isEmpty() ? "unknown" : out;
        }
        catch (IOException | InterruptedException ex) {
            return "unknown";
        }
    }

    static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + " / " + fields[1] + " / " + fields[2] + " (1/5/15 min)";
        }
        catch (IOException ex) {
            return "unknown";
        }
    }

    static void log(Object message) {
        System.out.printf("[bench %s] %s%n", Instant.now().toString().substring(11, 19), message);
    }
}
