package io.wmb.infra;

import java.time.Duration;

/** Hears how the servers come up, so that a launcher can show progress. */
public interface ServerListener {

    /** A listener that ignores everything. */
    ServerListener NONE = new ServerListener() {
    };

    /** The server {@code name} is starting and will listen on {@code port}. */
    default void starting(String name, int port) {
    }

    /** The server {@code name} answers; it took {@code took} since {@link #starting}. */
    default void ready(String name, int port, long pid, Duration took) {
    }

    /** The server {@code name} failed to start; {@code logTail} holds its last log lines. */
    default void failed(String name, int port, String reason, String logTail) {
    }
}
