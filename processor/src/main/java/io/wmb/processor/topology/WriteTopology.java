package io.wmb.processor.topology;

import java.util.LinkedHashMap;
import java.util.Map;

import io.wmb.processor.ops.MasterOwnership;
import io.wmb.processor.post.PostState;

/**
 * What this datacenter does with a write under the configured topology.
 * <ul>
 * <li>{@link Topology#INDEPENDENT}: every datacenter takes writes; reship and the collector carry them across.</li>
 * <li>{@link Topology#MASTER_SLAVE}: only the datacenter owning the MySQL master takes writes (gateways send them
 * there); after its own MySQL and Redis it writes the other datacenter's cache directly ({@link PeerCacheWriter}) and
 * still hands the write to reship, the durable path. The other datacenter refuses writes that reach its processor
 * directly, so it never originates one: the pipeline carries writes one way only, and what it delivers to the slave
 * lands in its cache only (it does not own the master), as a duplicate when the direct write came first.</li>
 * </ul>
 * Ownership is read at every write, so that the database-owner switch of a failover moves the master role too.
 */
public class WriteTopology implements AutoCloseable {

    private final Topology topology;

    private final MasterOwnership ownership;

    private final PeerCacheWriter peerCache;

    private final String datacenter;

    /**
     * Creates the policy.
     * @param topology the configured topology
     * @param ownership whether this datacenter owns the MySQL master now
     * @param peerCache the other datacenter's cache; {@code null} in independent mode
     * @param datacenter this datacenter
     */
    public WriteTopology(Topology topology, MasterOwnership ownership, PeerCacheWriter peerCache, String datacenter) {
        if (topology == Topology.MASTER_SLAVE && peerCache == null) {
            throw new IllegalArgumentException("master-slave mode needs the other datacenter's cache, but none was given");
        }
        this.topology = topology;
        this.ownership = ownership;
        this.peerCache = peerCache;
        this.datacenter = datacenter;
    }

    /** The configured topology. */
    public Topology topology() {
        return this.topology;
    }

    /** Whether a write entering this datacenter's processor is taken here. */
    public boolean acceptsWrites() {
        return this.topology == Topology.INDEPENDENT || this.ownership.ownsMaster();
    }

    /**
     * Refuses a write that this datacenter must not take.
     * @throws NotMasterDatacenterException in master-slave mode where this datacenter does not own the master
     */
    public void checkAcceptsWrites() {
        if (!acceptsWrites()) {
            throw new NotMasterDatacenterException("Datacenter " + this.datacenter + " does not take writes in "
                    + "master-slave mode: they go to the master datacenter (the one owning the MySQL master). "
                    + "Reads are served here.");
        }
    }

    /**
     * Called after a local write is stored (MySQL and Redis): in master-slave mode the master updates the other
     * datacenter's cache now.
     * @param state the stored state
     * @param origin the datacenter that accepted the write
     */
    public void afterLocalWrite(PostState state, String origin) {
        if (this.topology == Topology.MASTER_SLAVE && this.ownership.ownsMaster()) {
            this.peerCache.write(state, origin);
        }
    }

    /** The topology as the ops API shows it. */
    public Map<String, Object> describe() {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("topology", this.topology.id());
        view.put("datacenter", this.datacenter);
        view.put("ownsMaster", this.ownership.ownsMaster());
        view.put("acceptsWrites", acceptsWrites());
        if (this.topology == Topology.MASTER_SLAVE && this.ownership.ownsMaster()) {
            String failure = this.peerCache.lastFailure();
            view.put("peerCacheReachable", failure == null);
            if (failure != null) {
                view.put("peerCacheFailure", failure);
            }
        }
        return view;
    }

    @Override
    public void close() {
        if (this.peerCache != null) {
            this.peerCache.close();
        }
    }

}
