package io.wmb.processor.topology;

/**
 * How the two datacenters share writes ({@code wmb.processor.topology}, {@code WMB_TOPOLOGY}).
 */
public enum Topology {

    /** Both datacenters accept writes and ship them to each other (the default). */
    INDEPENDENT("independent"),

    /**
     * Only the datacenter that owns the MySQL master accepts writes; it updates the other datacenter's cache, whose
     * database follows by binlog replication.
     */
    MASTER_SLAVE("master-slave");

    private final String id;

    Topology(String id) {
        this.id = id;
    }

    /** The name used in configuration and in the ops API. */
    public String id() {
        return this.id;
    }

}
