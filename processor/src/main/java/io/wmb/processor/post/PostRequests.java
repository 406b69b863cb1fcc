package io.wmb.processor.post;

/**
 * Bodies of the REST API's writes. Boxed types, so that a missing field is told apart from zero.
 */
final class PostRequests {

    private PostRequests() {
    }

    /**
     * {@code POST /api/posts}.
     *
     * @param authorId the author
     * @param content the content
     */
    record CreatePost(Long authorId, String content) {
    }

    /**
     * {@code PUT /api/posts/{id}}.
     *
     * @param content the new content
     */
    record UpdatePost(String content) {
    }

}
