package io.wmb.processor.recovery;

import io.wmb.processor.post.WriteKind;

/**
 * A local write that was started and not yet known to be finished: stored, cached and handed to reship.
 *
 * @param requestId the write's request id
 * @param postId the post it changes
 * @param kind what kind of write it is
 * @param openedAtMs when it was started, epoch milliseconds
 */
public record WriteIntent(String requestId, long postId, WriteKind kind, long openedAtMs) {

    private static final char SEPARATOR = '|';

    /** The form kept in Redis: request ids carry no {@code |}, ids and kinds neither. */
    String member() {
        return requestId + SEPARATOR + postId + SEPARATOR + kind.name();
    }

    static WriteIntent parse(String member, double score) {
        int last = member.lastIndexOf(SEPARATOR);
        int middle = member.lastIndexOf(SEPARATOR, last - 1);
        if (middle <= 0 || last <= middle) {
            throw new IllegalArgumentException("not a write intent: " + member);
        }
        return new WriteIntent(member.substring(0, middle), Long.parseLong(member.substring(middle + 1, last)),
                WriteKind.valueOf(member.substring(last + 1)), (long) score);
    }

}
