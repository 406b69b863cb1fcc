package io.wmb.bench.reference;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Two proxy hops in front of a processor, built from something other than the gateways, to say what a hop costs on
 * this machine at all: the edge + gateway ratio means little until it is set beside the same two hops done by the
 * cheapest JVM proxy ({@link PassThroughProxy}) and by nginx (the role the datacenter gateway plays in Weibo's
 * setup). Each chain is two processes, as the edge and the gateway are, each with one event loop or worker.
 *
 * <p>nginx is optional: without it on the path its chain is left out and {@link #skipped} says why.
 */
public final class ReferenceHops implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final List<Chain> chains = new ArrayList<>();

    private final List<String> skipped = new ArrayList<>();

    private final List<Process> processes = new ArrayList<>();

    private ReferenceHops() {
    }

    /**
     * A chain of two proxy hops: the client's URL, and the processes that do the hops (for their CPU).
     * @param name short label for tables
     * @param description what the hops are, for the report
     * @param url where clients send requests (the first hop)
     * @param pids the hops' processes, nginx's workers included
     * @param jit whether the hops run on a JVM, whose compiler needs a warm-up before they are measured
     */
    public record Chain(String name, String description, String url, List<Long> pids, boolean jit) {
    }

    /**
     * Starts both chains (nginx's only if installed) in front of {@code upstream} and waits until they listen.
     * @param upstream the processor's URL
     * @param firstPort the first of four free ports on 127.0.0.1
     * @param workDir where nginx's configuration, pid and logs go
     * @param jvmFlags the services' JVM flags, so the JVM hops run as the gateways do
     * @param eventLoops the gateways' number of Reactor Netty event loops
     * @return the running chains; close to stop them
     * @throws IOException if a chain could not be started
     */
    public static ReferenceHops start(String upstream, int firstPort, Path workDir, List<String> jvmFlags,
            int eventLoops) throws IOException {
        ReferenceHops hops = new ReferenceHops();
        try {
            hops.startJvmChain(upstream, firstPort, jvmFlags, eventLoops);
            Optional<Path> nginx = findNginx();
            if (nginx.isPresent()) {
                hops.startNginxChain(nginx.get(), upstream, firstPort + 2, workDir);
            }
            else {
                hops.skipped.add("two nginx hops: nginx is not installed (`apt-get install nginx-light` adds them)");
            }
            return hops;
        }
        catch (IOException | RuntimeException ex) {
            hops.close();
            throw ex;
        }
    }

    /** The running chains, the JVM's first. */
    public List<Chain> chains() {
        return List.copyOf(this.chains);
    }

    /** Chains left out, with the reason. */
    public List<String> skipped() {
        return List.copyOf(this.skipped);
    }

    private void startJvmChain(String upstream, int firstPort, List<String> jvmFlags, int eventLoops)
            throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("java.class.path");
        int second = firstPort + 1;
        Process last = startJvmHop(java, classpath, jvmFlags, eventLoops, second, upstream);
        Process first = startJvmHop(java, classpath, jvmFlags, eventLoops, firstPort, "http://127.0.0.1:" + second);
        awaitListening(firstPort, first);
        awaitListening(second, last);
        this.chains.add(new Chain("reactor-netty", "two pass-through hops of bare Reactor Netty (`PassThroughProxy`: "
                + "the HTTP server and client under Spring Cloud Gateway, one event loop each on the gateways' "
                + "transport (io_uring where the kernel offers it), the services' JVM flags; no routing, filters or "
                + "metrics)", "http://127.0.0.1:" + firstPort,
                List.of(first.pid(), last.pid()), true));
    }

    private Process startJvmHop(String java, String classpath, List<String> jvmFlags, int eventLoops, int port,
            String upstream) throws IOException {
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(jvmFlags);
        command.addAll(List.of("-Dreactor.netty.ioWorkerCount=" + eventLoops, "-cp", classpath,
                PassThroughProxy.class.getName(), Integer.toString(port), upstream));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        this.processes.add(process);
        return process;
    }

    private void startNginxChain(Path nginx, String upstream, int firstPort, Path workDir) throws IOException {
        int second = firstPort + 1;
        Process last = startNginxHop(nginx, workDir.resolve("nginx-2"), second, upstream);
        Process first = startNginxHop(nginx, workDir.resolve("nginx-1"), firstPort, "http://127.0.0.1:" + second);
        awaitListening(firstPort, first);
        awaitListening(second, last);
        List<Long> pids = Stream.of(first, last)
            .flatMap((process) -> Stream.concat(Stream.of(process.toHandle()), process.descendants()))
            .map(ProcessHandle::pid)
            .toList();
        this.chains.add(new Chain("nginx", "two nginx " + nginxVersion(nginx) + " hops (one worker each, keep-alive "
                + "upstream connections, access log off)", "http://127.0.0.1:" + firstPort, pids, false));
    }

    private Process startNginxHop(Path nginx, Path dir, int port, String upstream) throws IOException {
        Files.createDirectories(dir);
        String address = upstream.substring(upstream.indexOf("://") + 3);
        String config = """
                worker_processes 1;
                daemon off;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                events { worker_connections 1024; }
                http {
                    access_log off;
                    client_body_temp_path %1$s/body;
                    proxy_temp_path %1$s/proxy;
                    upstream next { server %2$s; keepalive 64; }
                    server {
                        listen 127.0.0.1:%3$d;
                        location / {
                            proxy_pass http://next;
                            proxy_http_version 1.1;
                            proxy_set_header Connection "";
                        }
                    }
                }
                """.formatted(dir.toAbsolutePath(), address, port);
        Path file = dir.resolve("nginx.conf");
        Files.writeString(file, config, StandardCharsets.UTF_8);
        Process process = new ProcessBuilder(nginx.toString(), "-p", dir.toAbsolutePath().toString(), "-e",
                dir.resolve("startup.log").toAbsolutePath().toString(), "-c", file.toAbsolutePath().toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("output.log").toFile())
            .start();
        this.processes.add(process);
        return process;
    }

    /** nginx from the path, or from /usr/sbin where Debian puts it (not on every user's path). */
    static Optional<Path> findNginx() {
        String path = System.getenv().getOrDefault("PATH", "");
        List<String> dirs = new ArrayList<>(List.of(path.split(File.pathSeparator)));
        dirs.add("/usr/sbin");
        return dirs.stream()
            .filter((dir) -> !dir.isBlank())
            .map((dir) -> Path.of(dir, "nginx"))
            .filter(Files::isExecutable)
            .findFirst();
    }

    private static String nginxVersion(Path nginx) {
        try {
            Process process = new ProcessBuilder(nginx.toString(), "-v").redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            process.waitFor();
            return output.contains("/") ? output.substring(output.lastIndexOf('/') + 1) : output;
        }
        catch (IOException ex) {
            return "(version unknown)";
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return "(version unknown)";
        }
    }

    private static void awaitListening(int port, Process process) throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("the reference hop on port " + port + " exited with " + process.exitValue());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            }
            catch (IOException ex) {
                try {
                    Thread.sleep(100);
                }
                catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted waiting for port " + port, interrupted);
                }
            }
        }
        throw new IOException("the reference hop on port " + port + " did not listen within " + START_TIMEOUT);
    }

    /** Stops every hop (nginx's master takes its worker with it). */
    @Override
    public void close() {
        for (Process process : this.processes) {
            process.destroy();
        }
        for (Process process : this.processes) {
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
            catch (InterruptedException ex) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

}
