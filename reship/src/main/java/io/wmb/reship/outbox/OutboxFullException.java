package io.wmb.reship.outbox;

/**
 * The outbox holds as many unacknowledged writes as it is allowed to; the caller should retry later.
 */
public class OutboxFullException extends RuntimeException {

    OutboxFullException(long depth, long maxEntries) {
        super("outbox is full: " + depth + " unacknowledged writes, the limit is " + maxEntries);
    }

}
