package io.wmb.infra;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Loopback port helpers: nothing here ever touches an address other than 127.0.0.1. */
public final class LocalPorts {

    private static final int DRAWS = 1000;

    /**
     * Every port {@link #free()} handed out in this JVM. The kernel may give a port closed a moment ago to the next
     * bind to port 0, so two servers started side by side (Elasticsearch and a MariaDB, say) could both be given
     * the same one, and the slower one found it taken.
     */
    private static final Set<Integer> handedOut = ConcurrentHashMap.newKeySet();

    private LocalPorts() {
    }

    /** A port that was free a moment ago and was never handed out before in this JVM. */
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
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
        catch (IOException ex) {
            throw new IllegalStateException("no free loopback port", ex);
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
