package io.wmb.infra.launcher;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts the services once, when the last of the servers they need reports ready. Servers report from their own
 * threads, sometimes two at the same moment: checking the size of the set of ready servers after adding to it let
 * both reports see it full, and every service that needs a server was started twice (a CI run of 2026-12-06, Kafka
 * transport), one of each pair left running after the demo stopped. The count below is taken by exactly one report.
 */
final class ServersReady {

    private final int needed;

    private final Runnable startServices;

    private final Set<String> ready = ConcurrentHashMap.newKeySet();

    private final AtomicInteger count = new AtomicInteger();

    /**
     * A gate.
     * @param needed how many distinct servers must be ready
     * @param startServices what to run, once, when they are
     */
    ServersReady(int needed, Runnable startServices) {
        if (needed < 1) {
            throw new IllegalArgumentException("needed must be at least 1, but was " + needed);
        }
        this.needed = needed;
        this.startServices = startServices;
    }

    /**
     * Notes a ready server; the report that completes the set runs the start.
     * @param server the server's name
     * @return whether this report ran it
     */
    boolean ready(String server) {
        if (this.ready.add(server) && this.count.incrementAndGet() == this.needed) {
            this.startServices.run();
            return true;
        }
        return false;
    }
}
