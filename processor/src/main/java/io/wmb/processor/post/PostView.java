package io.wmb.processor.post;

import java.time.Instant;

/**
 * A post as the REST API shows it.
 *
 * @param id the post's id
 * @param authorId its author
 * @param content its content
 * @param likes likes in both datacenters together
 * @param version its content version
 * @param createdAt when it was created
 * @param updatedAt when its content last changed
 */
public record PostView(long id, long authorId, String content, long likes, long version, Instant createdAt,
        Instant updatedAt) {

    static PostView of(PostState state) {
        return new PostView(state.id(), state.authorId(), state.content(), state.totalLikes(), state.version(),
                Instant.ofEpochMilli(state.createdAtMs()), Instant.ofEpochMilli(state.updatedAtMs()));
    }

}
