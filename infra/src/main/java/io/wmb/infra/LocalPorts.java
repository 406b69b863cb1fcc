package io.wmb.infra;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/** Loopback port helpers: nothing here ever touches an address other than 127.0.0.1. */
public final class LocalPorts {

    private static final int DRAWS = 1000;

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

    /** {@code port} itself when it is not 0, otherwise a free one. */
    public static int orFree(int port) {
        return (port != 0) ? port : free();
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
     * @throws IllegalStateException naming the port and what wanted it
     */
    public static void requireFree(int port, String wantedBy) {
        if (port != 0 && isListening(port)) {
            throw new IllegalStateException("port " + port + " (wanted by " + wantedBy
                    + ") is already taken by another process; stop it or choose another port");
        }
    }
}
