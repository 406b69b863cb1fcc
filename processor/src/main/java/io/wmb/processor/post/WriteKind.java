package io.wmb.processor.post;

/**
 * What a write did to a post; mirrors {@code wmb.v1.WriteKind}.
 */
public enum WriteKind {

    /** A new post. */
    CREATE,

    /** New content. */
    UPDATE,

    /** A tombstone. */
    DELETE,

    /** One more like in the origin datacenter; the content version did not move. */
    LIKE,

    /** A repair by the reconciler: the full state as the origin holds it. */
    RECONCILE

}
