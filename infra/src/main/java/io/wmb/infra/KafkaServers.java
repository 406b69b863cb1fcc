package io.wmb.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.jar.JarFile;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One real Apache Kafka broker per datacenter, for the message-queue transport ({@code WMB_TRANSPORT=kafka}): KRaft
 * in combined mode (broker and controller in one single-node process), each a child JVM running {@code kafka.Kafka}
 * from the {@code kafka_2.13} artifact, the release whose clients Spring Boot manages.
 *
 * <p>Each broker has three listeners: {@code LOCAL} for the clients of its own datacenter, {@code CONTROLLER} for
 * KRaft, and {@code PEER} for the other datacenter's bridge. The peer listener advertises the link simulator's
 * route to it, so that a client in the other datacenter that asks for metadata is sent through the link again
 * (Kafka clients connect to what a broker advertises, not to the address they first dialled).
 */
public final class KafkaServers implements AutoCloseable {

    /** Unicom's port for local clients in the demo; telecom's is one more, both moved by the port offset. */
    public static final int CLIENT_PORT = 9301;

    /** Unicom's listener for the other datacenter in the demo, reached through the link at 10000 + port. */
    public static final int PEER_PORT = 9311;

    /** Unicom's KRaft controller listener in the demo. */
    public static final int CONTROLLER_PORT = 9321;

    private static final Logger logger = LoggerFactory.getLogger(KafkaServers.class);

    /** A few seconds on an idle 2-core machine; {@code -Dwmb.kafka.startTimeout=PT5M} for a slower one. */
    private static final Duration START_TIMEOUT = Duration.parse(System.getProperty("wmb.kafka.startTimeout", "PT3M"));

    /** Small JVMs (the whole demo shares 2 cores); {@code WMB_KAFKA_JAVA_OPTS} replaces them. */
    private static final String DEFAULT_JAVA_OPTS = "-Xms64m -Xmx256m -XX:+UseSerialGC -Xss512k "
            + "-XX:TieredStopAtLevel=1";

    private static final String BOOT_LAUNCHER = "org.springframework.boot.loader.launch.PropertiesLauncher";

    private final Map<Datacenter, Broker> brokers;

    private KafkaServers(Map<Datacenter, Broker> brokers) {
        this.brokers = brokers;
    }

    /**
     * Starts both brokers in parallel on the demo's fixed ports (moved by {@code portOffset}) and opens the link
     * routes to their peer listeners on 10000 + port.
     * @param dataDir where each broker keeps its log folder ({@code kafka-<datacenter>}); kept across restarts
     * @param portOffset the demo's port offset ({@code WMB_PORT_OFFSET})
     * @param link the inter-datacenter link
     * @param listener hears the brokers come up
     * @return the running brokers
     * @throws ServerStartException naming the broker that failed, with its last log lines
     */
    public static KafkaServers startDemo(Path dataDir, int portOffset, LinkSimulator link, ServerListener listener) {
        Map<Datacenter, Ports> ports = new EnumMap<>(Datacenter.class);
        for (Datacenter dc : Datacenter.values()) {
            int shift = dc.number() - 1 + portOffset;
            int peer = PEER_PORT + shift;
            ports.put(dc, new Ports(CLIENT_PORT + shift, peer, CONTROLLER_PORT + shift,
                    InfrastructureSettings.LINK_PORT_OFFSET + peer));
        }
        return start(dataDir, ports, link, listener);
    }

    /**
     * Starts both brokers in parallel on free ports, with link routes on free ports: for tests.
     * @param dataDir where each broker keeps its log folder
     * @param link the inter-datacenter link
     * @param listener hears the brokers come up
     * @return the running brokers
     */
    public static KafkaServers startEphemeral(Path dataDir, LinkSimulator link, ServerListener listener) {
        return startEphemeral(dataDir, link, listener, LocalPorts::free);
    }

    /**
     * As {@link #startEphemeral(Path, LinkSimulator, ServerListener)}, with the ports drawn by {@code draw}. A broker
     * JVM binds its ports seconds after the draw; when one was taken meanwhile, both brokers start again on newly
     * drawn ports, in a fresh folder, {@link LocalPorts#PORTS_PER_START} times in all (see
     * {@link LocalPorts#startOnFreePort}).
     */
    static KafkaServers startEphemeral(Path dataDir, LinkSimulator link, ServerListener listener, IntSupplier draw) {
        for (int attempt = 1; ; attempt++) {
            Map<Datacenter, Ports> ports = new EnumMap<>(Datacenter.class);
            for (Datacenter dc : Datacenter.values()) {
                ports.put(dc, new Ports(draw.getAsInt(), draw.getAsInt(), draw.getAsInt(), 0));
            }
            try {
                return start((attempt == 1) ? dataDir : dataDir.resolve("attempt-" + attempt), ports, link, listener);
            }
            catch (RuntimeException ex) {
                if (attempt == LocalPorts.PORTS_PER_START || !LocalPorts.wasTaken(ex)) {
                    throw ex;
                }
                // The routes lead to the peer listeners of this attempt's ports.
                Arrays.stream(Datacenter.values()).forEach((dc) -> link.closeRoute(routeName(dc)));
                logger.warn("A port drawn for Kafka was taken before its broker bound it; trying others ({})",
                        ex.getMessage());
            }
        }
    }

    private static String routeName(Datacenter dc) {
        return "kafka-" + dc.id();
    }

    private static KafkaServers start(Path dataDir, Map<Datacenter, Ports> requested, LinkSimulator link,
            ServerListener listener) {
        Map<Datacenter, CompletableFuture<Broker>> starts = new EnumMap<>(Datacenter.class);
        for (Datacenter dc : Datacenter.values()) {
            Ports wanted = requested.get(dc);
            // The route first: the broker must advertise where the route listens.
            int linkPort = link.open(routeName(dc), wanted.peer(), wanted.link());
            Ports ports = new Ports(wanted.client(), wanted.peer(), wanted.controller(), linkPort);
            starts.put(dc, CompletableFuture.supplyAsync(() -> Broker.start(dc, dataDir, ports, listener),
                    KafkaServers::startThread));
        }
        Map<Datacenter, Broker> brokers = new EnumMap<>(Datacenter.class);
        RuntimeException failure = null;
        for (Map.Entry<Datacenter, CompletableFuture<Broker>> start : starts.entrySet()) {
            try {
                brokers.put(start.getKey(), start.getValue().join());
            }
            catch (CompletionException ex) {
                failure = (ex.getCause() instanceof RuntimeException cause) ? cause : ex;
            }
        }
        if (failure != null) {
            brokers.values().forEach(Broker::stop);
            throw failure;
        }
        return new KafkaServers(brokers);
    }

    /**
     * Where a datacenter's own services reach its broker.
     * @param dc the datacenter
     * @return {@code 127.0.0.1:<port>}
     */
    public String bootstrapServers(Datacenter dc) {
        return "127.0.0.1:" + this.brokers.get(dc).ports.client();
    }

    /**
     * Where the other datacenter reaches this datacenter's broker: through the link.
     * @param dc the datacenter whose broker is reached
     * @return {@code 127.0.0.1:<link port>}
     */
    public String peerBootstrapServers(Datacenter dc) {
        return "127.0.0.1:" + this.brokers.get(dc).ports.link();
    }

    /**
     * The port of a datacenter's broker for local clients.
     * @param dc the datacenter
     * @return the port
     */
    public int port(Datacenter dc) {
        return this.brokers.get(dc).ports.client();
    }

    /**
     * The process id of a datacenter's broker.
     * @param dc the datacenter
     * @return the pid
     */
    public long pid(Datacenter dc) {
        return this.brokers.get(dc).process.pid();
    }

    /** Stops both brokers (a controlled shutdown, killed if it takes too long). */
    @Override
    public void close() {
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        this.brokers.values().forEach((broker) -> stops.add(CompletableFuture.runAsync(broker::stop,
                KafkaServers::startThread)));
        stops.forEach(CompletableFuture::join);
    }

    /**
     * The command line that runs {@code mainClass} from the classes this JVM has: its class path, or, when this JVM
     * runs from a Spring Boot executable jar (the {@code ./wmb} launcher), that jar through Boot's
     * {@code PropertiesLauncher}, which puts the jar's nested libraries on the class path.
     */
    static List<String> javaCommand(String mainClass, List<String> jvmOptions) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        String classPath = System.getProperty("wmb.kafka.classpath", System.getProperty("java.class.path"));
        command.add("-cp");
        command.add(classPath);
        if (isBootJar(classPath)) {
            command.add("-Dloader.main=" + mainClass);
            command.add(BOOT_LAUNCHER);
        }
        else {
            command.add(mainClass);
        }
        return command;
    }

    private static boolean isBootJar(String classPath) {
        if (!classPath.endsWith(".jar") || classPath.contains(java.io.File.pathSeparator)) {
            return false;
        }
        try (JarFile jar = new JarFile(classPath)) {
            return jar.getEntry("BOOT-INF/lib/") != null || jar.stream()
                .anyMatch((entry) -> entry.getName().startsWith("BOOT-INF/lib/"));
        }
        catch (IOException ex) {
            return false;
        }
    }

    private static void startThread(Runnable task) {
        Thread thread = new Thread(task, "wmb-kafka-start");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * A broker's ports.
     * @param client the {@code LOCAL} listener for its own datacenter
     * @param peer the {@code PEER} listener, reached by the other datacenter through the link
     * @param controller the KRaft controller listener
     * @param link the link route's port to the peer listener (advertised on it), 0 for a free one
     */
    record Ports(int client, int peer, int controller, int link) {
    }

    /** One single-node KRaft broker in its own JVM. */
    private static final class Broker {

        private final String name;

        private final Ports ports;

        private final Process process;

        private final Path consoleLog;

        private Broker(String name, Ports ports, Process process, Path consoleLog) {
            this.name = name;
            this.ports = ports;
            this.process = process;
            this.consoleLog = consoleLog;
        }

        static Broker start(Datacenter dc, Path dataDir, Ports ports, ServerListener listener) {
            String name = "kafka-" + dc.id();
            LocalPorts.requireFree(ports.client(), name);
            LocalPorts.requireFree(ports.peer(), name + " peer listener");
            LocalPorts.requireFree(ports.controller(), name + " controller");
            listener.starting(name, ports.client());
            long started = System.nanoTime();
            Path home = dataDir.resolve(name);
            Path consoleLog = home.resolve("console.log");
            Process process = null;
            try {
                Files.createDirectories(home);
                Path config = writeConfig(home, ports);
                if (!Files.exists(home.resolve("logs").resolve("meta.properties"))) {
                    format(config, consoleLog);
                }
                List<String> command = javaCommand("kafka.Kafka", jvmOptions(home));
                command.add(config.toString());
                ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(consoleLog.toFile()));
                builder.environment().remove("JAVA_TOOL_OPTIONS");
                process = builder.start();
                Files.writeString(home.resolve("kafka.pid"), Long.toString(process.pid()));
                Broker broker = new Broker(name, ports, process, consoleLog);
                broker.awaitHealthy();
                listener.ready(name, ports.client(), process.pid(), Duration.ofNanos(System.nanoTime() - started));
                return broker;
            }
            catch (IOException | RuntimeException ex) {
                if (process != null) {
                    Processes.terminate(process.toHandle(), Duration.ofSeconds(10));
                }
                String tail = LogFiles.tail(consoleLog, 30);
                listener.failed(name, ports.client(), String.valueOf(ex.getMessage()), tail);
                if (ex instanceof ServerStartException startException) {
                    throw startException;
                }
                throw new ServerStartException(name, "Kafka did not start on port " + ports.client() + ": "
                        + ex.getMessage(), tail, ex);
            }
        }

        private static List<String> jvmOptions(Path home) {
            String opts = System.getenv("WMB_KAFKA_JAVA_OPTS");
            List<String> options = new ArrayList<>(List.of(
                    ((opts != null && !opts.isBlank()) ? opts : DEFAULT_JAVA_OPTS).trim().split("\\s+")));
            options.add("-Dlogback.configurationFile=io/wmb/infra/kafka-logback.xml");
            options.add("-Djava.io.tmpdir=" + home);
            return options;
        }

        /** Single-node KRaft, small and quick: one partition per internal topic, no rebalance delay. */
        private static Path writeConfig(Path home, Ports ports) throws IOException {
            Properties config = new Properties();
            config.setProperty("process.roles", "broker,controller");
            config.setProperty("node.id", "1");
            config.setProperty("controller.quorum.voters", "1@127.0.0.1:" + ports.controller());
            config.setProperty("listeners", "LOCAL://127.0.0.1:" + ports.client() + ",PEER://127.0.0.1:"
                    + ports.peer() + ",CONTROLLER://127.0.0.1:" + ports.controller());
            config.setProperty("advertised.listeners", "LOCAL://127.0.0.1:" + ports.client()
                    + ",PEER://127.0.0.1:" + ports.link());
            config.setProperty("listener.security.protocol.map", "LOCAL:PLAINTEXT,PEER:PLAINTEXT,CONTROLLER:PLAINTEXT");
            config.setProperty("inter.broker.listener.name", "LOCAL");
            config.setProperty("controller.listener.names", "CONTROLLER");
            config.setProperty("log.dirs", home.resolve("logs").toString());
            config.setProperty("num.partitions", "1");
            config.setProperty("default.replication.factor", "1");
            config.setProperty("min.insync.replicas", "1");
            config.setProperty("offsets.topic.replication.factor", "1");
            config.setProperty("offsets.topic.num.partitions", "1");
            config.setProperty("transaction.state.log.replication.factor", "1");
            config.setProperty("transaction.state.log.min.isr", "1");
            config.setProperty("transaction.state.log.num.partitions", "1");
            config.setProperty("share.coordinator.state.topic.replication.factor", "1");
            config.setProperty("share.coordinator.state.topic.min.isr", "1");
            config.setProperty("group.initial.rebalance.delay.ms", "0");
            config.setProperty("auto.create.topics.enable", "true");
            // A single node has no replica to fall back on: flush every append to disk before acknowledging, as the
            // outbox does, so that an acknowledged write (already deleted from the outbox) survives a machine crash.
            // With three brokers, replication (min.insync.replicas=2) does this job instead.
            config.setProperty("log.flush.interval.messages", "1");
            // A week of backlog: the reason to pick this transport is a queue that outlives a long outage.
            config.setProperty("log.retention.hours", "168");
            config.setProperty("log.segment.bytes", Integer.toString(64 * 1024 * 1024));
            config.setProperty("num.network.threads", "2");
            config.setProperty("num.io.threads", "2");
            config.setProperty("background.threads", "2");
            Path file = home.resolve("server.properties");
            try (var out = Files.newBufferedWriter(file)) {
                config.store(out, "WMB: single-node KRaft broker of the local demo");
            }
            return file;
        }

        /** Formats the log folder once (kafka-storage format), as a fresh single-node cluster. */
        private static void format(Path config, Path consoleLog) throws IOException {
            List<String> command = javaCommand("kafka.tools.StorageTool",
                    List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                            "-Dlogback.configurationFile=io/wmb/infra/kafka-logback.xml"));
            command.addAll(List.of("format", "--cluster-id", Uuid.randomUuid().toString(), "--config",
                    config.toString(), "--ignore-formatted"));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(consoleLog.toFile()));
            builder.environment().remove("JAVA_TOOL_OPTIONS");
            Process format = builder.start();
            try {
                if (!format.waitFor(2, TimeUnit.MINUTES)) {
                    format.destroyForcibly();
                    throw new IOException("formatting the storage took longer than 2 minutes");
                }
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                format.destroyForcibly();
                throw new IOException("interrupted while formatting the storage", ex);
            }
            if (format.exitValue() != 0) {
                throw new IOException("kafka-storage format exited with " + format.exitValue());
            }
        }

        /** Healthy when a client can describe the cluster through the local listener. */
        private void awaitHealthy() {
            Properties config = new Properties();
            config.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + this.ports.client());
            config.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
            config.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
            config.setProperty(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            try (Admin admin = Admin.create(config)) {
                while (System.nanoTime() < deadline) {
                    if (!this.process.isAlive()) {
                        throw new ServerStartException(this.name, "Kafka exited with code "
                                + this.process.exitValue(), LogFiles.tail(this.consoleLog, 30), null);
                    }
                    if (!LocalPorts.isListening(this.ports.client())) {
                        // Not listening yet: asking now would only fill the log with connection warnings.
                        sleep(Duration.ofMillis(200));
                        continue;
                    }
                    try {
                        if (!admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
                            return;
                        }
                    }
                    catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while waiting for " + this.name, ex);
                    }
                    catch (Exception ex) {
                        logger.trace("{} not up yet: {}", this.name, ex.getMessage());
                    }
                }
            }
            throw new ServerStartException(this.name, "Kafka not healthy within " + START_TIMEOUT.toSeconds() + " s",
                    LogFiles.tail(this.consoleLog, 30), null);
        }

        private static void sleep(Duration duration) {
            try {
                Thread.sleep(duration.toMillis());
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", ex);
            }
        }

        void stop() {
            if (Processes.terminate(this.process.toHandle(), Duration.ofSeconds(30))) {
                logger.info("{} stopped", this.name);
            }
            else {
                logger.warn("{} did not stop within 30 s; killed it", this.name);
            }
        }
    }
}
