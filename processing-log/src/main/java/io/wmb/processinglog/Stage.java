package io.wmb.processinglog;

/**
 * The stages a write passes through, in the order they normally happen. The names are part of the public
 * contract: operators and outside tools query the processing log by them.
 */
public enum Stage {

    /** The processor accepted the write and stamped its requestId and version. */
    ACCEPTED,

    /** The origin datacenter's processor applied the write (database if it owns the master, then cache). */
    LOCAL_APPLIED,

    /** The origin datacenter's reship stored the write durably, or forwarded it to the peer. */
    RESHIPPED,

    /** The other datacenter's collector received the write. */
    COLLECTED,

    /** The other datacenter's processor applied the write. */
    REMOTE_APPLIED,

    /** The reconciler re-drove a missing stage. */
    RECONCILED

}
