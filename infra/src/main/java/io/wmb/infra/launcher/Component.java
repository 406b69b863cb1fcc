package io.wmb.infra.launcher;

import java.time.Duration;

/** One server or service as the supervisor sees it; updated by the supervisor's threads, read by the status API. */
final class Component {

    /** Where a component is in its life. */
    enum State {
        /** Not started yet. */
        WAITING,
        /** Started, not answering its health check yet. */
        STARTING,
        /** Answers its health check. */
        HEALTHY,
        /** Was healthy, does not answer now. */
        UNHEALTHY,
        /** Did not come up, or exited. */
        FAILED,
        /** Its jar is not built; not started. */
        SKIPPED,
        /** Stopped by {@code ./wmb down}, or one service stopped through the control API. */
        STOPPED
    }

    private final String name;

    private final String kind;

    private final String datacenter;

    private final String log;

    private int port;

    private long pid = -1;

    private State state = State.WAITING;

    private String message = "";

    private long startedNanos;

    private Duration took;

    Component(String name, String kind, String datacenter, int port, String log) {
        this.name = name;
        this.kind = kind;
        this.datacenter = (datacenter != null) ? datacenter : "";
        this.port = port;
        this.log = (log != null) ? log : "";
    }

    synchronized void starting(int port) {
        this.port = port;
        this.state = State.STARTING;
        this.startedNanos = System.nanoTime();
        // A restart (./wmb tour stops and starts services) measures its own start time.
        this.took = null;
        this.message = "";
    }

    synchronized void started(long pid) {
        this.pid = pid;
    }

    synchronized void healthy(long pid) {
        if (pid > 0) {
            this.pid = pid;
        }
        if (this.took == null) {
            this.took = Duration.ofNanos(System.nanoTime() - this.startedNanos);
        }
        this.state = State.HEALTHY;
        this.message = "";
    }

    synchronized void unhealthy(String message) {
        if (this.state == State.HEALTHY) {
            this.state = State.UNHEALTHY;
            this.message = message;
        }
    }

    synchronized void failed(String message) {
        this.state = State.FAILED;
        this.message = message;
    }

    synchronized void skipped(String message) {
        this.state = State.SKIPPED;
        this.message = message;
    }

    synchronized void stopped() {
        this.state = State.STOPPED;
    }

    synchronized void stopped(String message) {
        this.state = State.STOPPED;
        this.message = message;
    }

    String name() {
        return this.name;
    }

    String kind() {
        return this.kind;
    }

    String datacenter() {
        return this.datacenter;
    }

    String log() {
        return this.log;
    }

    synchronized int port() {
        return this.port;
    }

    synchronized long pid() {
        return this.pid;
    }

    synchronized State state() {
        return this.state;
    }

    synchronized String message() {
        return this.message;
    }

    /** Seconds from start to first healthy answer, or so far while starting; -1 before the start. */
    synchronized double seconds() {
        if (this.took != null) {
            return this.took.toMillis() / 1000.0;
        }
        return (this.startedNanos == 0) ? -1 : (System.nanoTime() - this.startedNanos) / 1e9;
    }
}
