package io.wmb.infra;

import java.nio.file.Path;

/**
 * Where the servers keep their data and on which loopback ports they listen.
 *
 * @param distDir where unpacked server binaries are kept, shared by every run (MariaDB base, Elasticsearch)
 * @param dataDir this run's data (one folder per server)
 * @param deleteDataOnExit whether {@code dataDir} is removed when the servers stop (tests)
 * @param mysqlMasterPort unicom's MariaDB master, 0 for a free port
 * @param mysqlReplicaPort telecom's MariaDB replica, 0 for a free port
 * @param redisUnicomPort unicom's Redis, 0 for a free port
 * @param redisTelecomPort telecom's Redis, 0 for a free port
 * @param elasticsearchPort the shared Elasticsearch node's HTTP port, 0 for a free port
 * @param replicationLinkPort the link route the replica reaches the master through, 0 for a free port
 */
public record InfrastructureSettings(Path distDir, Path dataDir, boolean deleteDataOnExit, int mysqlMasterPort,
        int mysqlReplicaPort, int redisUnicomPort, int redisTelecomPort, int elasticsearchPort,
        int replicationLinkPort) {

    /** The offset of the fixed link routes of the demo: a route to port P listens on 10000 + P. */
    public static final int LINK_PORT_OFFSET = 10000;

    public InfrastructureSettings {
        checkPort("mysqlMasterPort", mysqlMasterPort);
        checkPort("mysqlReplicaPort", mysqlReplicaPort);
        checkPort("redisUnicomPort", redisUnicomPort);
        checkPort("redisTelecomPort", redisTelecomPort);
        checkPort("elasticsearchPort", elasticsearchPort);
        checkPort("replicationLinkPort", replicationLinkPort);
        distDir = distDir.toAbsolutePath().normalize();
        dataDir = dataDir.toAbsolutePath().normalize();
    }

    /**
     * Where the launcher records which datacenter's MariaDB is the master, once a failover has moved it (absent:
     * unicom's); in the data folder, so that whatever forgets the servers' data forgets it too.
     */
    public Path masterFile() {
        return this.dataDir.resolve("mysql-master");
    }

    /** Free ports and a data folder deleted at exit: for tests, which may run next to the demo. */
    public static InfrastructureSettings ephemeral(Path root, String runName) {
        return new InfrastructureSettings(root.resolve("dist"), root.resolve(runName), true, 0, 0, 0, 0, 0, 0);
    }

    /** The fixed ports of the local demo (docs/design.md), moved by {@link #demoPortOffset()}; data kept. */
    public static InfrastructureSettings demo(Path root) {
        int offset = demoPortOffset();
        return new InfrastructureSettings(root.resolve("dist"), root.resolve("servers"), false, 3307 + offset,
                3308 + offset, 6380 + offset, 6381 + offset, 9200 + offset, LINK_PORT_OFFSET + 3307 + offset);
    }

    /**
     * How far every port of the demo is moved, from {@code WMB_PORT_OFFSET} (default 0): a second demo, such as
     * the system tests' next to a developer's own, runs with an offset (e.g. 20000: edge on 28080).
     */
    public static int demoPortOffset() {
        String value = System.getenv("WMB_PORT_OFFSET");
        if (value == null || value.isBlank()) {
            return 0;
        }
        int offset;
        try {
            offset = Integer.parseInt(value.trim());
        }
        catch (NumberFormatException ex) {
            throw new IllegalArgumentException("WMB_PORT_OFFSET must be a number, but was '" + value + "'", ex);
        }
        if (offset < 0 || offset > 30000) {
            throw new IllegalArgumentException("WMB_PORT_OFFSET must be between 0 and 30000, but was " + offset);
        }
        return offset;
    }

    private static void checkPort(String name, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(name + " must be between 0 and 65535, but was " + port);
        }
    }
}
