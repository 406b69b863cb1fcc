package io.wmb.infra;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.IntSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Loopback port helpers: nothing here ever touches an address other than 127.0.0.1. */
public final class LocalPorts {

    private static final Logger logger = LoggerFactory.getLogger(LocalPorts.class);

    private static final int DRAWS = 1000;

    private static final Pattern SS_USER = Pattern.compile("\\(\"([^\"]+)\",pid=(\\d+)");

    /** How many drawn ports a server is given in turn, when each is found taken before the server binds it. */
    static final int PORTS_PER_START = 3;

    /** Where drawn ports start; below, the well-known and registered ports that machines often run. */
    private static final int LOWEST = 10_000;

    /** Fewer ports than this below the ephemeral range, and the draw falls back to the kernel's bind to port 0. */
    private static final int FEWEST = 2_000;

    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

    /**
     * Every port {@link #free()} handed out in this JVM. The kernel may give a port closed a moment ago to the next
     * bind to port 0, so two servers started side by side (Elasticsearch and a MariaDB, say) could both be given
     * the same one, and the slower one found it taken.
     */
    private static final Set<Integer> handedOut = ConcurrentHashMap.newKeySet();

    private LocalPorts() {
    }

    /**
     * A port that was free a moment ago and was never handed out before in this JVM. Drawn below the kernel's
     * ephemeral range where Linux says what it is: the kernel never gives those ports to a bind to port 0 or to an
     * outgoing connection, so a server that binds port 0 meanwhile (a gRPC server, a link route, in this JVM or any
     * other) cannot take the port before the server it was drawn for binds it. Once seen: MariaDB found its port
     * taken a moment after the draw.
     */
    public static int free() {
        for (int draw = 0; draw < DRAWS; draw++) {
            int port = anyFree();
            if (handedOut.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port left that was not handed out already");
    }

    /**
     * Starts a server on {@code requested} or, when that is 0, on a drawn free port; a drawn port found taken before
     * the server bound it (by the check, or by the server's own "Address already in use") is replaced by another
     * one, {@value #PORTS_PER_START} ports in all. A port stays free only until someone takes it, and the server
     * binds it moments after the draw: seen in CI, where redis-unicom found its port taken a few milliseconds after
     * it was drawn (other processes of the machine draw from the same range). A requested port is never replaced:
     * the caller chose it, and the failure names it.
     * @param start starts the server on the port it is given
     * @throws PortTakenException if the requested port, or the last drawn one, is taken
     */
    public static <T> T startOnFreePort(int requested, String wantedBy, IntFunction<T> start) {
        return startOnFreePort(requested, wantedBy, LocalPorts::free, start);
    }

    static <T> T startOnFreePort(int requested, String wantedBy, IntSupplier draw, IntFunction<T> start) {
        if (requested != 0) {
            requireFree(requested, wantedBy);
            return start.apply(requested);
        }
        for (int attempt = 1; ; attempt++) {
            int port = draw.getAsInt();
            try {
                requireFree(port, wantedBy);
                return start.apply(port);
            }
            catch (RuntimeException ex) {
                if (attempt == PORTS_PER_START || !wasTaken(ex)) {
                    throw ex;
                }
                logger.warn("{}: port {} was taken since it was drawn; trying another", wantedBy, port);
            }
        }
    }

    /** Whether a server failed because its port was taken: the check said so, or the server's bind did. */
    static boolean wasTaken(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof PortTakenException || mentionsTakenAddress(cause.getMessage())
                    || (cause instanceof ServerStartException start && mentionsTakenAddress(start.logTail()))) {
                return true;
            }
        }
        return false;
    }

    private static boolean mentionsTakenAddress(String text) {
        // The words of the operating system's EADDRINUSE, as Java, mariadbd, Redis and Elasticsearch print them.
        return text != null && text.contains("Address already in use");
    }

    private static int anyFree() {
        int ephemeralLow = ephemeralLow();
        if (ephemeralLow - LOWEST >= FEWEST) {
            for (int draw = 0; draw < DRAWS; draw++) {
                int port = ThreadLocalRandom.current().nextInt(LOWEST, ephemeralLow);
                if (canBind(port)) {
                    return port;
                }
            }
        }
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
        catch (IOException ex) {
            throw new IllegalStateException("no free loopback port", ex);
        }
    }

    /** The lowest port of the kernel's ephemeral range; 0 where it cannot be read (not Linux). */
    static int ephemeralLow() {
        try {
            // Not Files.readString: for this file (size 0 in /proc) JDK 17 returned only its first character.
            return Integer.parseInt(Files.readAllLines(EPHEMERAL_RANGE).get(0).trim().split("\\s+")[0]);
        }
        catch (IOException | RuntimeException ex) {
            return 0;
        }
    }

    private static boolean canBind(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            // Not SO_REUSEADDR: a port with connections still in TIME_WAIT is left to the kernel, as a server
            // without that option would find it.
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        }
        catch (IOException ex) {
            return false;
        }
    }

    /** Whether something accepts connections on 127.0.0.1:{@code port}. */
    public static boolean isListening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            // A port of the ephemeral range that nobody listens on can be drawn as this very socket's local port,
            // and TCP then connects the socket to itself (simultaneous open): that is no listener.
            return socket.getLocalPort() != port;
        }
        catch (IOException ex) {
            return false;
        }
    }

    /**
     * Fails with a clear message when {@code port} is taken.
     * @throws PortTakenException naming the port and what wanted it
     */
    public static void requireFree(int port, String wantedBy) {
        if (port != 0 && isListening(port)) {
            String holder = listenerOf(port).map((process) -> " (" + process + ")").orElse("");
            throw new PortTakenException("port " + port + " (wanted by " + wantedBy
                    + ") is already taken by another process" + holder + "; stop it or choose another port");
        }
    }

    /**
     * Which process listens on {@code port}, as {@code ss} (iproute2) tells it: {@code "redis-server, pid 1234"};
     * empty where {@code ss} is missing or does not say (another user's process, for one).
     */
    public static Optional<String> listenerOf(int port) {
        try {
            Process ss = new ProcessBuilder("ss", "-Hltnp", "sport = :" + port).redirectErrorStream(true).start();
            String output;
            try (InputStream out = ss.getInputStream()) {
                output = new String(out.readNBytes(64 * 1024), StandardCharsets.UTF_8);
            }
            if (!ss.waitFor(2, TimeUnit.SECONDS)) {
                ss.destroyForcibly();
                return Optional.empty();
            }
            // users:(("redis-server",pid=1234,fd=6))
            Matcher user = SS_USER.matcher(output);
            return user.find() ? Optional.of(user.group(1) + ", pid " + user.group(2)) : Optional.empty();
        }
        catch (IOException ex) {
            return Optional.empty();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** A port something else listens on already. */
    public static final class PortTakenException extends IllegalStateException {

        PortTakenException(String message) {
            super(message);
        }
    }
}
