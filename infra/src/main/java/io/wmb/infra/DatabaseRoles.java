package io.wmb.infra;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Switches which datacenter's MariaDB is the master: the database half of a failover and of the way back. Each
 * datacenter's server writes its own GTID domain (unicom 1, telecom 2) and keeps what it replicates in its binlog
 * ({@code log-slave-updates}), so a replica can be pointed at the other server by GTID without losing its place.
 * <p>
 * What the services must do around these steps (stop writing the old master, switch the processors' database
 * owner, drain at the edge) is the caller's: see the supervisor's failover.
 */
public final class DatabaseRoles {

    private static final Logger logger = LoggerFactory.getLogger(DatabaseRoles.class);

    private final MariaDbServers servers;

    private final LinkSimulator link;

    private final int linkOffset;

    DatabaseRoles(MariaDbServers servers, LinkSimulator link, int linkOffset) {
        this.servers = servers;
        this.link = link;
        this.linkOffset = linkOffset;
    }

    /** Whether a datacenter's server refuses application writes. */
    public boolean readOnly(Datacenter datacenter) {
        return "1".equals(this.servers.queryString(datacenter, "SELECT @@GLOBAL.read_only"));
    }

    /**
     * Makes a server refuse or take application writes (the fence of a failover).
     * @param datacenter the server's datacenter
     * @param readOnly whether it refuses them
     */
    public void setReadOnly(Datacenter datacenter, boolean readOnly) {
        this.servers.execute(datacenter, "SET GLOBAL read_only = " + (readOnly ? "ON" : "OFF"));
    }

    /** The server's {@code gtid_binlog_pos}: the last transaction of every domain in its binlog. */
    public String binlogPosition(Datacenter datacenter) {
        String position = this.servers.queryString(datacenter, "SELECT @@GLOBAL.gtid_binlog_pos");
        return (position != null) ? position : "";
    }

    /** Whether a datacenter's server is a replica (has replication configured). */
    public boolean replicating(Datacenter datacenter) {
        return !this.servers.replicationState(datacenter).equals("not configured");
    }

    /**
     * Makes a replica the master: applies what it has received (up to {@code drain}), stops replicating, forgets
     * its master and takes writes.
     * @param datacenter the replica's datacenter
     * @param drain how long to let it apply its relay log
     */
    public void promote(Datacenter datacenter, Duration drain) {
        long deadline = System.nanoTime() + drain.toNanos();
        while (System.nanoTime() < deadline && !relayLogApplied(datacenter)) {
            sleep(Duration.ofMillis(100));
        }
        this.servers.execute(datacenter, "STOP SLAVE");
        this.servers.execute(datacenter, "RESET SLAVE ALL");
        this.servers.execute(datacenter, "SET GLOBAL slave_exec_mode = 'STRICT'");
        this.servers.execute(datacenter, MariaDbServers.roleSettings(true));
        setReadOnly(datacenter, false);
        logger.info("MariaDB of {} promoted to master at {}", datacenter.id(), binlogPosition(datacenter));
    }

    /**
     * Makes a server a read-only replica of the other datacenter's, through the link. It skips what it wrote itself
     * (its own GTID domain) and what it already has of the master's domain, and takes the rest of the master's
     * domain. Row events of rows that it already holds differently are applied idempotently: the two datacenters'
     * stores converge through WMB as well, and the master's row is the newer one.
     * @param replica the datacenter that becomes the replica
     */
    public void replicateFromPeer(Datacenter replica) {
        Datacenter master = replica.peer();
        setReadOnly(replica, true);
        this.servers.execute(replica, MariaDbServers.roleSettings(false));
        this.servers.execute(replica, "STOP SLAVE");
        this.servers.execute(replica, "RESET SLAVE ALL");
        List<String> start = new ArrayList<>();
        domain(binlogPosition(master), replica.number()).ifPresent(start::add);
        domain(binlogPosition(replica), master.number()).ifPresent(start::add);
        this.servers.execute(replica, "SET GLOBAL gtid_slave_pos = '" + String.join(",", start) + "'");
        this.servers.execute(replica, "SET GLOBAL slave_exec_mode = 'IDEMPOTENT'");
        this.servers.replicateFrom(replica, routeTo(master));
        logger.info("MariaDB of {} replicates {} from {}", replica.id(), master.id(), String.join(",", start));
    }

    /**
     * Makes a replica start from the master's current position, skipping everything before it: for a replica that
     * is known to hold the same data already (the way back, after both converged while writes were stopped).
     * @param replica the datacenter that becomes the replica
     */
    public void replicateFromPeerAsOfNow(Datacenter replica) {
        Datacenter master = replica.peer();
        setReadOnly(replica, true);
        this.servers.execute(replica, MariaDbServers.roleSettings(false));
        this.servers.execute(replica, "STOP SLAVE");
        this.servers.execute(replica, "RESET SLAVE ALL");
        this.servers.execute(replica, "SET GLOBAL gtid_slave_pos = '" + binlogPosition(master) + "'");
        this.servers.execute(replica, "SET GLOBAL slave_exec_mode = 'STRICT'");
        this.servers.replicateFrom(replica, routeTo(master));
        logger.info("MariaDB of {} replicates {} from now", replica.id(), master.id());
    }

    /**
     * Waits until a replica has applied everything its master's binlog holds now.
     * @param replica the replica's datacenter
     * @param timeout how long to wait
     * @return whether it caught up in time
     */
    public boolean awaitCaughtUp(Datacenter replica, Duration timeout) {
        String target = binlogPosition(replica.peer());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (contains(this.servers.queryString(replica, "SELECT @@GLOBAL.gtid_slave_pos"), target)) {
                return true;
            }
            String state = this.servers.replicationState(replica);
            if (!state.startsWith("Yes/Yes")) {
                logger.warn("Replication of {} is not running while catching up: {}", replica.id(), state);
            }
            sleep(Duration.ofMillis(100));
        }
        return false;
    }

    /** The link route to a datacenter's server; unicom's is the one the replica has used since start-up. */
    private int routeTo(Datacenter master) {
        String name = (master == Datacenter.UNICOM) ? "mysql-replication" : "mysql-replication-" + master.id();
        return this.link.open(name, this.servers.port(master),
                (this.linkOffset > 0) ? this.linkOffset + this.servers.port(master) : 0);
    }

    private boolean relayLogApplied(Datacenter datacenter) {
        String state = this.servers.queryString(datacenter,
                "SELECT STATE FROM information_schema.PROCESSLIST WHERE COMMAND = 'Slave_SQL'");
        return state == null || state.contains("read all relay log");
    }

    /** Whether {@code position} has reached every domain's sequence number in {@code target}. */
    static boolean contains(String position, String target) {
        if (target == null || target.isBlank()) {
            return true;
        }
        for (String gtid : target.split(",")) {
            String[] parts = gtid.trim().split("-");
            long wanted = Long.parseLong(parts[2]);
            boolean found = false;
            for (String have : (position == null) ? new String[0] : position.split(",")) {
                String[] h = have.trim().split("-");
                if (h.length == 3 && h[0].equals(parts[0]) && Long.parseLong(h[2]) >= wanted) {
                    found = true;
                }
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }

    /** The entry of one GTID domain in a position, e.g. {@code 1-1-42} of domain 1. */
    static Optional<String> domain(String position, int domain) {
        if (position == null) {
            return Optional.empty();
        }
        for (String gtid : position.split(",")) {
            if (gtid.trim().startsWith(domain + "-")) {
                return Optional.of(gtid.trim());
            }
        }
        return Optional.empty();
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
