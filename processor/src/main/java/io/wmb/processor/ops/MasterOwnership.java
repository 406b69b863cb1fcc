package io.wmb.processor.ops;

import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this datacenter owns the MySQL master right now. Starts from configuration and is switched at runtime by
 * an operator during a failover ({@code PUT /ops/database-owner}).
 */
public final class MasterOwnership {

    private static final Logger log = LoggerFactory.getLogger(MasterOwnership.class);

    private final AtomicBoolean ownsMaster;

    /**
     * Creates the switch.
     * @param ownsMaster the configured start value
     */
    public MasterOwnership(boolean ownsMaster) {
        this.ownsMaster = new AtomicBoolean(ownsMaster);
    }

    /** Whether this datacenter writes MySQL. */
    public boolean ownsMaster() {
        return ownsMaster.get();
    }

    /**
     * Switches ownership.
     * @param owns the new value
     * @return the previous value
     */
    public boolean set(boolean owns) {
        boolean previous = ownsMaster.getAndSet(owns);
        if (previous != owns) {
            log.warn("Database ownership switched: this datacenter {} the MySQL master", owns ? "now owns" : "no longer owns");
        }
        return previous;
    }

}
