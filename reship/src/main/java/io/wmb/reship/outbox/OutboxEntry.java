package io.wmb.reship.outbox;

import io.wmb.proto.v1.PostWrite;

/**
 * A write waiting in the outbox.
 *
 * @param sequence its position in the outbox; increases with every write appended, survives restarts
 * @param write the write
 */
public record OutboxEntry(long sequence, PostWrite write) {
}
