package io.wmb.infra.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.wmb.infra.DatabaseRoles;
import io.wmb.infra.Datacenter;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator procedures of docs/reliability.md, carried out step by step: failing the MySQL master over to the
 * other datacenter when the datacenter that owns it is lost, and the way back once it has returned. Each step is
 * one documented operator action (an edge drain, a MariaDB statement, a processor's database owner); the report
 * lists them as they happen.
 * <p>
 * Between the two, the supervisor starts processors with the database owner that holds now, so a datacenter that
 * comes back does not write a database that is no longer the master. Which server is the master is written to a
 * file in the data folder (by a failover once it has promoted the replica, by a failback once the other server
 * replicates the returning one): a supervisor stopped (or killed) while telecom's is the master starts the demo
 * again that way, instead of starting unicom's as the master next to a history it lacks.
 */
final class Failover {

    private static final Logger logger = LoggerFactory.getLogger(Failover.class);

    private static final Duration RELAY_DRAIN = Duration.ofSeconds(10);

    private static final Duration CATCH_UP = Duration.ofSeconds(90);

    /** Writes under way when the edge drained finish within this (reship's deadline is 2 s). */
    private static final Duration IN_FLIGHT = Duration.ofSeconds(3);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String operatorToken;

    private final Path masterFile;

    private volatile Datacenter owner;

    /**
     * @param operatorToken the bearer token of the edge's and the processors' operator endpoints
     * @param masterFile where the datacenter whose server is the MySQL master is kept; absent: unicom's
     * @throws IllegalStateException if that file names no datacenter
     */
    Failover(String operatorToken, Path masterFile) {
        this.operatorToken = operatorToken;
        this.masterFile = masterFile;
        this.owner = readMaster(masterFile);
    }

    /** The datacenter whose MariaDB is the master now. */
    Datacenter owner() {
        return this.owner;
    }

    /**
     * Moves the master to {@code to}: drain the lost datacenter at the edge, fence its server if it answers,
     * promote {@code to}'s replica, make {@code to}'s processor the database owner (it then copies what its cache
     * took while it was not the owner into MySQL).
     */
    synchronized List<String> failOver(Datacenter to, DatabaseRoles databases) {
        Datacenter lost = to.peer();
        if (this.owner == to) {
            throw new ControlServer.BadRequestException(to.id() + " owns the MySQL master already");
        }
        List<String> steps = new ArrayList<>();
        step(steps, "edge: drain " + lost.id(), () -> drain(lost, true));
        step(steps, "fence: " + lost.id() + "'s processor stops writing MySQL (if it answers)",
                () -> tryOwner(lost, false));
        step(steps, "fence: " + lost.id() + "'s MariaDB read-only (if it answers)", () -> {
            try {
                databases.setReadOnly(lost, true);
            }
            catch (RuntimeException ex) {
                logger.warn("Could not fence {}'s MariaDB: {}", lost.id(), ex.getMessage());
            }
        });
        step(steps, "promote " + to.id() + "'s replica: apply its relay log, STOP SLAVE, RESET SLAVE ALL,"
                + " read_only=OFF", () -> {
                    databases.promote(to, RELAY_DRAIN);
                    writeMaster(this.masterFile, to);
                });
        step(steps, to.id() + "'s processor: PUT /ops/database-owner {\"ownsMaster\": true}",
                () -> owner(to, true));
        this.owner = to;
        steps.add("done: " + to.id() + " owns the MySQL master; " + lost.id() + " stays drained until ./wmb failback");
        return steps;
    }

    /**
     * Moves the master back to the datacenter that lost it, which must be running again (as a non-owner): make its
     * server a replica of the current master and let it catch up, drain both datacenters for the switch, stop the
     * current master's writes, let the returning server catch up to the last transaction, promote it, make the
     * other a replica again, switch the processors' owners, undrain.
     */
    synchronized List<String> failBack(DatabaseRoles databases) {
        Datacenter current = this.owner;
        Datacenter back = current.peer();
        if (current == Datacenter.UNICOM) {
            throw new ControlServer.BadRequestException("unicom owns the MySQL master already: nothing to fail back");
        }
        List<String> steps = new ArrayList<>();
        step(steps, back.id() + "'s MariaDB: replica of " + current.id() + " (GTID), catching up",
                () -> databases.replicateFromPeer(back));
        step(steps, back.id() + " caught up with " + current.id(), () -> requireCaughtUp(databases, back));
        step(steps, "edge: drain both datacenters for the switch (clients get 503 and retry)", () -> {
            drain(back, true);
            drain(current, true);
        });
        step(steps, "wait for writes under way", () -> sleep(IN_FLIGHT));
        step(steps, current.id() + ": processor stops writing MySQL, MariaDB read-only", () -> {
            owner(current, false);
            databases.setReadOnly(current, true);
        });
        step(steps, back.id() + " caught up with the last transaction", () -> requireCaughtUp(databases, back));
        step(steps, "promote " + back.id() + "'s server", () -> databases.promote(back, Duration.ZERO));
        step(steps, back.id() + "'s processor: PUT /ops/database-owner {\"ownsMaster\": true}",
                () -> owner(back, true));
        // Recorded only now: until here both datacenters are drained, so neither server took a write since they
        // caught up, and a restart after a failed step starts the current master as before, ready for a new
        // failback; unicom's as the master next to a replica not yet pointed at it could stop that replica.
        step(steps, current.id() + "'s MariaDB: replica of " + back.id() + " again", () -> {
            databases.replicateFromPeerAsOfNow(current);
            writeMaster(this.masterFile, back);
        });
        this.owner = back;
        step(steps, "edge: undrain both datacenters", () -> {
            drain(back, false);
            drain(current, false);
        });
        steps.add("done: " + back.id() + " owns the MySQL master again");
        return steps;
    }

    /** The datacenter that the file names, unicom without a file (nothing was ever failed over). */
    static Datacenter readMaster(Path file) {
        if (!Files.exists(file)) {
            return Datacenter.UNICOM;
        }
        try {
            return Datacenter.of(Files.readString(file, StandardCharsets.UTF_8).trim());
        }
        catch (IOException | IllegalArgumentException ex) {
            throw new IllegalStateException("Cannot tell which MariaDB is the master from " + file + ": "
                    + ex.getMessage() + ". Write unicom or telecom into it (./wmb reset forgets it with the data)", ex);
        }
    }

    /** Written to a sibling and moved over the file, so that a crash leaves the old content or the new. */
    static void writeMaster(Path file, Datacenter master) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path next = file.resolveSibling(file.getFileName() + ".next");
            Files.writeString(next, master.id() + "\n", StandardCharsets.UTF_8);
            Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot record that " + master.id() + "'s MariaDB is the master in "
                    + file, ex);
        }
    }

    private static void requireCaughtUp(DatabaseRoles databases, Datacenter replica) {
        if (!databases.awaitCaughtUp(replica, CATCH_UP)) {
            throw new IllegalStateException(replica.id() + "'s MariaDB did not catch up within "
                    + CATCH_UP.toSeconds() + " s");
        }
    }

    private void step(List<String> steps, String description, Runnable action) {
        long started = System.nanoTime();
        logger.info("Failover step: {}", description);
        try {
            action.run();
        }
        catch (RuntimeException ex) {
            steps.add("FAILED: " + description + ": " + ex.getMessage());
            throw new IllegalStateException("failover step failed: " + description + ": " + ex.getMessage()
                    + "; steps so far: " + steps, ex);
        }
        steps.add(String.format("%s (%d ms)", description, (System.nanoTime() - started) / 1_000_000));
    }

    private void drain(Datacenter datacenter, boolean drained) {
        put(URI.create("http://127.0.0.1:" + ServiceTable.EDGE_PORT + "/ops/datacenters/" + datacenter.id()
                + "/drain"), "{\"drained\": " + drained + "}");
    }

    private void owner(Datacenter datacenter, boolean owns) {
        // Becoming the owner copies the cache into MySQL while writes go on; a lock timeout there is retried.
        for (int attempt = 1;; attempt++) {
            try {
                put(processor(datacenter), "{\"ownsMaster\": " + owns + "}");
                return;
            }
            catch (IllegalStateException ex) {
                if (attempt == 3) {
                    throw ex;
                }
                logger.warn("Database owner change of {} failed (attempt {}): {}", datacenter.id(), attempt,
                        ex.getMessage());
                sleep(Duration.ofSeconds(1));
            }
        }
    }

    private void tryOwner(Datacenter datacenter, boolean owns) {
        // One attempt: the datacenter is lost, most likely its processor with it, and retrying a refused connection
        // only delayed the failover (by 2 s). Giving up ownership copies nothing, so it has no lock wait to retry.
        try {
            put(processor(datacenter), "{\"ownsMaster\": " + owns + "}");
        }
        catch (RuntimeException ex) {
            logger.info("{}'s processor did not answer ({}): it is down, nothing to fence", datacenter.id(),
                    ex.getMessage());
        }
    }

    private static URI processor(Datacenter datacenter) {
        return URI.create("http://127.0.0.1:" + ServiceTable.port(datacenter, 8101) + "/ops/database-owner");
    }

    private void put(URI uri, String json) {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + this.operatorToken)
            .PUT(HttpRequest.BodyPublishers.ofString(json))
            .build();
        try {
            HttpResponse<String> response = this.http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException("PUT " + uri + " answered " + response.statusCode() + ": "
                        + response.body());
            }
        }
        catch (IOException ex) {
            throw new IllegalStateException("PUT " + uri + " failed: " + ex, ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
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

}
