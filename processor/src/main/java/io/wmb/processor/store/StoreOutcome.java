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
    STALE;

    /** Combines the outcomes of the content and the likes of one write: any change wins, then duplicate. */
    public StoreOutcome or(StoreOutcome other) {
        if (this == APPLIED || other == APPLIED) {
            return APPLIED;
        }
        if (this == DUPLICATE || other == DUPLICATE) {
            return DUPLICATE;
        }
        return STALE;
    }

}
