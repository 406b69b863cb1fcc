package io.wmb.infra.launcher;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;

import io.wmb.infra.DatabaseRoles;
import io.wmb.infra.Datacenter;
import io.wmb.infra.Infrastructure;
import io.wmb.infra.InfrastructureSettings;
import io.wmb.infra.KafkaServers;
import io.wmb.infra.LinkSimulator;
import io.wmb.infra.LocalPorts;
import io.wmb.infra.LogFiles;
import io.wmb.infra.Processes;
import io.wmb.infra.ServerListener;
import io.wmb.infra.ServerStartException;
import io.wmb.infra.launcher.ServiceTable.ServiceSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The detached process behind {@code ./wmb up}: starts the servers on the demo ports, opens the fixed link routes,
 * starts every service as its own {@code java -jar} process, watches their health and serves the control API. On
 * SIGTERM ({@code ./wmb down}) it stops the services, then the servers.
 */
final class ServiceSupervisor implements ControlServer.SupervisorView {

    /** Small JVMs: the whole demo must fit in about 3.5 GiB on 2 cores. */
    static final String DEFAULT_SERVICE_JAVA_OPTS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -Xmx160m";

    private static final Logger logger = LoggerFactory.getLogger(ServiceSupervisor.class);

    /** A service that exits while starting is started again, this many attempts in all. */
    private static final int MAX_START_ATTEMPTS = 3;

    /** Generous: 11 JVMs start at once on 2 cores, possibly next to a build. */
    private static final Duration SERVICE_START_TIMEOUT = Duration.ofMinutes(5);

    private final Path repository;

    private final Path dataRoot;

    private final List<String> javaOpts;

    private final Map<String, Component> components = new LinkedHashMap<>();

    private final Map<String, Process> processes = new ConcurrentHashMap<>();

    /** Consecutive failed connects per server. */
    private final Map<String, Integer> missedConnects = new ConcurrentHashMap<>();

    /** Failed start attempts per service. */
    private final Map<String, Integer> restarts = new ConcurrentHashMap<>();

    private final List<ServiceSpec> services;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();

    private final CountDownLatch stopped = new CountDownLatch(1);

    private final ClassDataSharing classData;

    /**
     * Whether services start from the bean definitions Spring AOT generated at build time, where their
     * configuration allows ({@link ServiceSpec#aheadOfTime()}): 13-21% less start-up CPU each (infra/README.md).
     */
    private final boolean springAot;

    private volatile Infrastructure infrastructure;

    private volatile LinkSimulator link;

    /** The brokers of the message-queue transport; null unless the demo runs it. */
    private volatile KafkaServers kafka;

    private final boolean kafkaTransport = ServiceTable.kafka();

    private volatile boolean stopping;

    private final Failover failover;

    ServiceSupervisor(Path repository, Path dataRoot, String javaOpts) {
        this.repository = repository;
        this.dataRoot = dataRoot;
        this.javaOpts = Arrays.stream(javaOpts.trim().split("\\s+")).filter((opt) -> !opt.isEmpty()).toList();
        this.services = ServiceTable.demo(dataRoot);
        // WMB_CDS=false runs the exec jars as they are (no extraction, no class-data archive).
        this.classData = new ClassDataSharing(dataRoot.resolve("cds"), javaBin(),
                !"false".equalsIgnoreCase(System.getenv("WMB_CDS")));
        // WMB_SPRING_AOT=false starts every service without its ahead-of-time bean definitions.
        this.springAot = !"false".equalsIgnoreCase(System.getenv("WMB_SPRING_AOT"));
        InfrastructureSettings servers = InfrastructureSettings.demo(dataRoot);
        this.failover = new Failover(Optional.ofNullable(System.getenv("WMB_OPERATOR_TOKEN"))
            .orElse("wmb-operator-demo"), servers.masterFile());
        boolean failedOver = this.failover.owner() == Datacenter.TELECOM;
        String serversLog = logs().resolve("supervisor.log").toString();
        // After a failover outlived the supervisor, unicom's server waits read-only for the failback (standby).
        add(new Component("mariadb-unicom", failedOver ? "MariaDB standby" : "MariaDB master", "unicom",
                servers.mysqlMasterPort(), serversLog));
        add(new Component("mariadb-telecom", failedOver ? "MariaDB master" : "MariaDB replica", "telecom",
                servers.mysqlReplicaPort(), serversLog));
        add(new Component("redis-unicom", "Redis", "unicom", servers.redisUnicomPort(), serversLog));
        add(new Component("redis-telecom", "Redis", "telecom", servers.redisTelecomPort(), serversLog));
        add(new Component("elasticsearch", "Elasticsearch", "", servers.elasticsearchPort(),
                servers.dataDir().resolve("elasticsearch/console.log").toString()));
        add(new Component("link", "link simulator", "", ServiceTable.CONTROL_PORT, serversLog));
        if (this.kafkaTransport) {
            for (Datacenter dc : Datacenter.values()) {
                add(new Component("kafka-" + dc.id(), "Kafka", dc.id(), ServiceTable.port(dc, KafkaServers.CLIENT_PORT),
                        servers.dataDir().resolve("kafka-" + dc.id()).resolve("console.log").toString()));
            }
        }
        for (ServiceSpec service : this.services) {
            add(new Component(service.id(), service.name(),
                    (service.datacenter() != null) ? service.datacenter().id() : "", service.httpPort(),
                    logs().resolve(service.id() + ".log").toString()));
        }
    }

    /** Runs until the JVM is asked to stop. */
    void run() throws IOException, InterruptedException {
        Files.createDirectories(logs());
        Files.writeString(WmbCommand.pidFile(this.dataRoot), Long.toString(ProcessHandle.current().pid()));
        Files.deleteIfExists(WmbCommand.childrenFile(this.dataRoot));
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "wmb-supervisor-stop"));
        ControlServer control = new ControlServer(ServiceTable.CONTROL_PORT, this);
        control.start();
        Thread prepare = new Thread(this::prepareJars, "wmb-prepare-jars");
        prepare.setDaemon(true);
        prepare.start();
        Thread monitor = new Thread(this::monitor, "wmb-health-monitor");
        monitor.setDaemon(true);
        monitor.start();
        try {
            startServers();
        }
        catch (RuntimeException ex) {
            logger.error("The servers did not start: {}", ex.getMessage());
            if (ex instanceof ServerStartException start && !start.logTail().isBlank()) {
                logger.error("Last log lines of {}:\n{}", start.server(), start.logTail());
            }
            // Give ./wmb up a moment to read the failure from the status API before the supervisor goes away.
            Thread.sleep(1500);
            control.stop();
            System.exit(1);
        }
        this.stopped.await();
    }

    @Override
    public List<Component> components() {
        return List.copyOf(this.components.values());
    }

    @Override
    public Optional<LinkSimulator> link() {
        return Optional.ofNullable(this.link);
    }

    @Override
    public Component stopService(String name) {
        ServiceSpec service = spec(name);
        Process process;
        synchronized (this) {
            // Removed first: the health monitor then neither restarts it nor reports it as failed.
            process = this.processes.remove(service.id());
            component(service.id()).stopped("stopped through the control API");
        }
        if (process != null) {
            logger.info("Stopping {} (pid {}) on request", service.id(), process.pid());
            process.destroy();
            Processes.awaitExit(process.toHandle(), Duration.ofSeconds(15));
        }
        return component(service.id());
    }

    @Override
    public Component startService(String name) {
        ServiceSpec service = spec(name);
        Component component = component(service.id());
        synchronized (this) {
            Process process = this.processes.get(service.id());
            if (process != null && process.isAlive()) {
                return component;
            }
            Path jar = service.jar(this.repository)
                .orElseThrow(() -> new ControlServer.UnavailableException(service.module() + " has no exec jar"));
            this.restarts.remove(service.id());
            component.starting(service.httpPort());
            logger.info("Starting {} on request", service.id());
            startService(service, jar, true);
        }
        return component;
    }

    @Override
    public Component startServer(String name) {
        Datacenter datacenter = switch (name) {
            case "redis-unicom" -> Datacenter.UNICOM;
            case "redis-telecom" -> Datacenter.TELECOM;
            default -> throw new ControlServer.NotFoundException("no server " + name + " to start again: only "
                    + "redis-unicom and redis-telecom can be (MariaDB and Elasticsearch are not restarted here)");
        };
        Infrastructure servers = this.infrastructure;
        if (servers == null) {
            throw new ControlServer.UnavailableException("the servers are not up yet");
        }
        Component component = component(name);
        long pid;
        try {
            pid = servers.startRedisAgain(datacenter);
        }
        catch (IllegalStateException ex) {
            throw new ControlServer.BadRequestException(ex.getMessage());
        }
        this.missedConnects.remove(name);
        component.healthy(pid);
        logger.info("Started {} again on request (pid {}), from its append-only file", name, pid);
        return component;
    }

    @Override
    public List<String> datacenterDown(Datacenter datacenter) {
        List<String> steps = new ArrayList<>();
        for (ServiceSpec service : this.services) {
            if (service.datacenter() != datacenter) {
                continue;
            }
            Process process;
            synchronized (this) {
                process = this.processes.remove(service.id());
                component(service.id()).stopped("datacenter down (./wmb dc up " + datacenter.id() + ")");
            }
            if (process != null) {
                // A power loss: no shutdown hook, no graceful drain.
                process.destroyForcibly();
                Processes.awaitExit(process.toHandle(), Duration.ofSeconds(15));
                steps.add("kill -9 " + service.id() + " (pid " + process.pid() + ")");
            }
        }
        link().ifPresent((link) -> {
            link.cut();
            steps.add("link cut: nothing crosses between the datacenters");
        });
        logger.warn("Datacenter {} is down: {}", datacenter.id(), steps);
        return steps;
    }

    @Override
    public List<String> datacenterUp(Datacenter datacenter) {
        List<String> steps = new ArrayList<>();
        link().ifPresent((link) -> {
            link.heal();
            steps.add("link healed");
        });
        for (ServiceSpec service : this.services) {
            if (service.datacenter() == datacenter) {
                startService(service.id());
                steps.add("started " + service.id() + ((service.name().equals("processor"))
                        ? " (database owner: " + (datacenter == this.failover.owner()) + ")" : ""));
            }
        }
        logger.info("Datacenter {} is coming back: {}", datacenter.id(), steps);
        return steps;
    }

    @Override
    public List<String> failOver(Datacenter to) {
        return this.failover.failOver(to, databases());
    }

    @Override
    public List<String> failBack() {
        return this.failover.failBack(databases());
    }

    @Override
    public Datacenter databaseOwner() {
        return this.failover.owner();
    }

    private DatabaseRoles databases() {
        Infrastructure servers = this.infrastructure;
        if (servers == null) {
            throw new ControlServer.UnavailableException("the servers are not up yet");
        }
        return servers.databases();
    }

    private ServiceSpec spec(String name) {
        return this.services.stream().filter((service) -> service.id().equals(name)).findFirst()
            .orElseThrow(() -> new ControlServer.NotFoundException("no service " + name + "; services: "
                    + this.services.stream().map(ServiceSpec::id).toList()));
    }

    private void startServers() {
        InfrastructureSettings settings = InfrastructureSettings.demo(this.dataRoot);
        for (ServiceSpec service : this.services) {
            LocalPorts.requireFree(service.httpPort(), service.id());
            if (service.grpcPort() != 0) {
                LocalPorts.requireFree(service.grpcPort(), service.id() + " gRPC");
            }
        }
        // The fixed routes first: a taken port fails here, before any server starts.
        Component linkComponent = component("link");
        linkComponent.starting(ServiceTable.CONTROL_PORT);
        LinkSimulator link = new LinkSimulator();
        try {
            ServiceTable.linkRoutes().forEach((name, target) -> link.open(name, target,
                    InfrastructureSettings.LINK_PORT_OFFSET + target));
        }
        catch (RuntimeException ex) {
            link.close();
            linkComponent.failed(ex.getMessage());
            throw ex;
        }
        this.link = link;
        linkComponent.healthy(ProcessHandle.current().pid());
        // Gateways, reship and collector need neither MariaDB nor Redis to start: they use the seconds the
        // servers take (mostly waiting on MariaDB) instead of joining the rush after them.
        Thread early = new Thread(() -> startServices(this::needsNoServer), "wmb-start-early");
        early.setDaemon(true);
        early.start();
        // Services need MariaDB, Redis (and the brokers, with the Kafka transport) to start.
        ServersReady serversReady = new ServersReady(this.kafkaTransport ? 6 : 4, () -> {
            Thread services = new Thread(() -> startServices((service) -> !needsNoServer(service)),
                    "wmb-start-services");
            services.setDaemon(true);
            services.start();
        });
        ServerListener listener = new ServerListener() {
            @Override
            public void starting(String name, int port) {
                component(name).starting(port);
            }

            @Override
            public void ready(String name, int port, long pid, Duration took) {
                component(name).healthy(pid);
                recordChild(pid, name);
                // Elasticsearch may still be coming up (the processing log buffers), so the services start now
                // instead of waiting for the slowest server.
                if (!name.equals("elasticsearch")) {
                    serversReady.ready(name);
                }
            }

            @Override
            public void failed(String name, int port, String reason, String logTail) {
                component(name).failed(reason);
            }
        };
        if (this.kafkaTransport) {
            Thread brokers = new Thread(() -> startKafka(settings, link, listener), "wmb-start-kafka");
            brokers.setDaemon(true);
            brokers.start();
        }
        if (this.failover.owner() != Datacenter.UNICOM) {
            logger.info("{}'s MariaDB is the MySQL master, as the last failover left it: ./wmb failback moves it back",
                    this.failover.owner().id());
        }
        this.infrastructure = Infrastructure.start(settings, link, this.failover.owner(), listener);
    }

    /** Starts the brokers next to the other servers; a failure shows on their components (./wmb up reports it). */
    private void startKafka(InfrastructureSettings settings, LinkSimulator link, ServerListener listener) {
        try {
            KafkaServers brokers = KafkaServers.startDemo(settings.dataDir(), InfrastructureSettings.demoPortOffset(),
                    link, listener);
            synchronized (this) {
                if (this.stopping) {
                    brokers.close();
                    return;
                }
                this.kafka = brokers;
            }
        }
        catch (RuntimeException ex) {
            logger.error("The Kafka brokers did not start: {}", ex.getMessage());
            if (ex instanceof ServerStartException start && !start.logTail().isBlank()) {
                logger.error("Last log lines of {}:\n{}", start.server(), start.logTail());
            }
        }
    }

    /** Extracts the service jars while the servers start, two at a time (two cores). */
    private void prepareJars() {
        Map<String, Path> jars = new LinkedHashMap<>();
        this.services.forEach((service) -> service.jar(this.repository)
            .ifPresent((jar) -> jars.putIfAbsent(service.module(), jar)));
        jars.entrySet().parallelStream().forEach((entry) -> this.classData.prepare(entry.getKey(), entry.getValue()));
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Gateways start without any server; reship and collector too, unless they sync through the brokers. */
    private boolean needsNoServer(ServiceSpec service) {
        return service.module().equals("gateway") || (!this.kafkaTransport
                && (service.name().equals("reship") || service.name().equals("collector")));
    }

    private void startServices(Predicate<ServiceSpec> which) {
        if (this.stopping) {
            return;
        }
        for (ServiceSpec service : this.services) {
            if (!which.test(service)) {
                continue;
            }
            Component component = component(service.id());
            Optional<Path> jar = service.jar(this.repository);
            if (jar.isEmpty()) {
                component.skipped("no jar: build " + service.module() + " (./mvnw -pl " + service.module()
                        + " package)");
                logger.warn("Skipping {}: {}/target has no exec jar yet", service.id(), service.module());
                continue;
            }
            component.starting(service.httpPort());
            startService(service, jar.get(), false);
        }
    }

    private void startService(ServiceSpec service, Path jar, boolean append) {
        // Outside the lock: on a first start this waits for the jar's extraction.
        boolean aheadOfTime = this.springAot && service.aheadOfTime();
        List<String> launch = new ArrayList<>();
        if (aheadOfTime) {
            launch.add("-Dspring.aot.enabled=true");
        }
        launch.addAll(this.classData.launch(service.module(), jar, aheadOfTime));
        spawn(service, launch, append);
    }

    private synchronized void spawn(ServiceSpec service, List<String> launch, boolean append) {
        if (this.stopping) {
            return;
        }
        Component component = component(service.id());
        Process running = this.processes.get(service.id());
        if (running != null && running.isAlive()) {
            // A second process would take the first one's place here, and nothing would stop the first.
            logger.warn("Not starting {} again: pid {} is still running", service.id(), running.pid());
            return;
        }
        List<String> command = new ArrayList<>();
        command.add(javaBin());
        command.addAll(this.javaOpts);
        command.addAll(launch);
        File log = Path.of(component.log()).toFile();
        ProcessBuilder builder = new ProcessBuilder(command).directory(this.repository.toFile())
            .redirectErrorStream(true)
            .redirectOutput(append ? ProcessBuilder.Redirect.appendTo(log) : ProcessBuilder.Redirect.to(log));
        builder.environment().putAll(service.env());
        if (service.name().equals("processor")) {
            // After a failover the other datacenter owns the master: a processor started now must not write its own.
            builder.environment().put("WMB_OWNS_MASTER",
                    Boolean.toString(service.datacenter() == this.failover.owner()));
        }
        try {
            Process process = builder.start();
            this.processes.put(service.id(), process);
            component.started(process.pid());
            recordChild(process.pid(), service.id());
            logger.info("Started {} (pid {}): {}", service.id(), process.pid(), launch);
        }
        catch (IOException ex) {
            component.failed("cannot start: " + ex.getMessage());
        }
    }

    /** Polls every component: fast while something is starting, every two seconds afterwards. */
    private void monitor() {
        while (!this.stopping) {
            boolean starting = false;
            for (ServiceSpec service : this.services) {
                starting |= checkService(service);
            }
            for (Component component : components()) {
                if (!component.name().equals("link") && !isService(component.name())) {
                    checkServer(component);
                }
            }
            sleep(starting ? Duration.ofMillis(250) : Duration.ofSeconds(2));
        }
    }

    /**
     * A server is unhealthy after three missed connects in a row (a single one times out on a loaded machine when
     * its accept queue is full), and healthy again as soon as it answers.
     */
    private void checkServer(Component component) {
        Component.State state = component.state();
        if (state != Component.State.HEALTHY && state != Component.State.UNHEALTHY) {
            return;
        }
        if (LocalPorts.isListening(component.port())) {
            this.missedConnects.remove(component.name());
            if (state == Component.State.UNHEALTHY) {
                logger.info("{} answers again on port {}", component.name(), component.port());
                component.healthy(-1);
            }
        }
        else if (this.missedConnects.merge(component.name(), 1, Integer::sum) >= 3) {
            component.unhealthy("port " + component.port() + " does not answer");
        }
    }

    private boolean isService(String name) {
        return this.services.stream().anyMatch((service) -> service.id().equals(name));
    }

    /** Returns whether the service is still starting. */
    private boolean checkService(ServiceSpec service) {
        Component component = component(service.id());
        Process process = this.processes.get(service.id());
        if (process == null || component.state() == Component.State.FAILED) {
            return false;
        }
        if (!process.isAlive() && this.processes.get(service.id()) != process) {
            // Stopped through the control API while this check ran: not a failure.
            return false;
        }
        if (!process.isAlive() && component.state() == Component.State.STARTING
                && this.restarts.merge(service.id(), 1, Integer::sum) <= MAX_START_ATTEMPTS - 1) {
            // A start can fail for passing reasons (a connect timeout on a loaded machine): try again.
            logger.warn("{} exited with code {} while starting; starting it again", service.id(),
                    process.exitValue());
            service.jar(this.repository).ifPresent((jar) -> startService(service, jar, true));
            return true;
        }
        if (!process.isAlive()) {
            component.failed("exited with code " + process.exitValue());
            logger.error("{} exited with code {}; last lines of {}:\n{}", service.id(), process.exitValue(),
                    component.log(), LogFiles.tail(Path.of(component.log()), 20));
            return false;
        }
        boolean healthy = isHealthy(service.healthUrl());
        if (healthy) {
            if (component.state() != Component.State.HEALTHY) {
                logger.info("{} healthy after {} s", service.id(), String.format("%.1f", component.seconds()));
            }
            component.healthy(process.pid());
            return false;
        }
        if (component.state() == Component.State.STARTING) {
            if (component.seconds() > SERVICE_START_TIMEOUT.toSeconds()) {
                component.failed("not healthy within " + SERVICE_START_TIMEOUT.toSeconds() + " s");
                return false;
            }
            return true;
        }
        component.unhealthy(service.healthUrl() + " does not answer 200");
        return false;
    }

    private boolean isHealthy(String url) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(1)).build();
            return this.http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        }
        catch (IOException ex) {
            return false;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Services first (they talk to the servers), all at once; then the servers. */
    private void stop() {
        synchronized (this) {
            // Waits for a service start in progress, so that no process is started behind the stop.
            this.stopping = true;
        }
        logger.info("Stopping {} services", this.processes.size());
        this.processes.values().forEach(Process::destroy);
        // The brokers stop while the services do: what a service has not handed over waits in its outbox or
        // topic, and a service writing its class-data archive would otherwise hold the brokers up.
        KafkaServers brokers = this.kafka;
        Thread brokersStop = new Thread(() -> {
            if (brokers != null) {
                brokers.close();
            }
        }, "wmb-stop-kafka");
        brokersStop.start();
        this.processes.forEach((id, process) -> {
            // Generous: a service recording its class-data archive writes it while it exits.
            Processes.awaitExit(process.toHandle(), Duration.ofSeconds(45));
            component(id).stopped();
        });
        try {
            brokersStop.join(Duration.ofSeconds(60).toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        Infrastructure current = this.infrastructure;
        if (current != null) {
            current.close();
        }
        else if (this.link != null) {
            this.link.close();
        }
        components().stream().filter((c) -> c.state() != Component.State.SKIPPED).forEach(Component::stopped);
        try {
            Files.deleteIfExists(WmbCommand.pidFile(this.dataRoot));
            Files.deleteIfExists(WmbCommand.childrenFile(this.dataRoot));
        }
        catch (IOException ex) {
            logger.warn("Could not remove the supervisor's pid files", ex);
        }
        logger.info("Stopped");
        this.stopped.countDown();
    }

    /**
     * Notes a child process so that {@code ./wmb down} can still stop it should this supervisor die without
     * running its shutdown hook.
     */
    private void recordChild(long pid, String name) {
        if (pid <= 0) {
            return;
        }
        long started = ProcessHandle.of(pid).flatMap((process) -> process.info().startInstant())
            .map((instant) -> instant.toEpochMilli())
            .orElse(0L);
        String line = pid + "\t" + started + "\t" + name + "\n";
        try {
            Files.writeString(WmbCommand.childrenFile(this.dataRoot), line, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        catch (IOException ex) {
            logger.warn("Could not record child {} ({})", pid, name, ex);
        }
    }

    private Path logs() {
        return this.dataRoot.resolve("logs");
    }

    private void add(Component component) {
        this.components.put(component.name(), component);
    }

    private Component component(String name) {
        Component component = this.components.get(name);
        if (component == null) {
            throw new IllegalArgumentException("unknown component " + name);
        }
        return component;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
