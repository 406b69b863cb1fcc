package io.wmb.processor.post;

/**
 * The post does not exist, or it was deleted.
 */
public class PostNotFoundException extends RuntimeException {

    public PostNotFoundException(long postId) {
        super("Post " + postId + " does not exist");
    }

}
