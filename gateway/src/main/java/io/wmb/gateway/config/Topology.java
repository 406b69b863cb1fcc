package io.wmb.gateway.config;

import java.util.Locale;

/**
 * How the datacenters share writes ({@code WMB_TOPOLOGY}).
 */
public enum Topology {

    /** Every datacenter takes writes (the default). */
    INDEPENDENT,

    /** Only the master datacenter takes writes: the other datacenter's gateway sends them there. */
    MASTER_SLAVE;

    /** {@code independent} or {@code master-slave}, as configured and shown. */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

}
