package io.wmb.processor.store;

/**
 * What applying a state to one store did.
 */
public enum StoreOutcome {

    /** The stored state changed. */
    APPLIED,

    /** The same version (or like count) was already stored. */
    DUPLICATE,

    /** A newer version (or a higher like count) was already stored; nothing changed. */
    STALE

}
