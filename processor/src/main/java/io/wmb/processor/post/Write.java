package io.wmb.processor.post;

/**
 * One versioned write: the post's state after it, with where and when it was accepted. The domain form of
 * {@code wmb.v1.PostWrite}.
 *
 * @param requestId the write's global request id
 * @param origin the datacenter that accepted it
 * @param kind what it did
 * @param state the post's state after it
 * @param acceptedAtMs when the origin accepted it, epoch milliseconds
 */
public record Write(String requestId, String origin, WriteKind kind, PostState state, long acceptedAtMs) {

    public Write {
        if (requestId == null || requestId.isBlank()) {
            throw new IllegalArgumentException("requestId must not be blank, but was '" + requestId + "'");
        }
        if (origin == null || origin.isBlank()) {
            throw new IllegalArgumentException("origin must not be blank, but was '" + origin + "'");
        }
        if (kind == null || state == null) {
            throw new IllegalArgumentException("kind and state must not be null");
        }
    }

}
