package io.wmb.processor.post;

/**
 * Checks the fields of posts before anything is written.
 */
public final class PostValidator {

    private final int maxContentLength;

    /**
     * Creates a validator.
     * @param maxContentLength most characters (code points) of content
     */
    public PostValidator(int maxContentLength) {
        if (maxContentLength < 1) {
            throw new IllegalArgumentException("maxContentLength must be positive, but was " + maxContentLength);
        }
        this.maxContentLength = maxContentLength;
    }

    /**
     * Checks an author id.
     * @param authorId the value sent
     * @return the id
     * @throws InvalidRequestException if missing or not positive
     */
    public long authorId(Long authorId) {
        if (authorId == null) {
            throw new InvalidRequestException("Field 'authorId' is required");
        }
        if (authorId <= 0) {
            throw new InvalidRequestException("Field 'authorId' must be a positive number, but was " + authorId);
        }
        return authorId;
    }

    /**
     * Checks a post's content.
     * @param content the value sent
     * @return the content
     * @throws InvalidRequestException if missing, blank, too long or holding control characters other than line
     *     breaks and tabs
     */
    public String content(String content) {
        if (content == null) {
            throw new InvalidRequestException("Field 'content' is required");
        }
        if (content.isBlank()) {
            throw new InvalidRequestException("Field 'content' must not be empty");
        }
        int length = content.codePointCount(0, content.length());
        if (length > maxContentLength) {
            throw new InvalidRequestException("Field 'content' must be at most " + maxContentLength
                    + " characters, but was " + length);
        }
        for (int i = 0; i < content.length(); i++) {
            char c = content.charAt(i);
            if (Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t') {
                throw new InvalidRequestException("Field 'content' must not contain control characters (found U+"
                        + String.format("%04X", (int) c) + " at index " + i + ")");
            }
            if (Character.isSurrogate(c) && !(Character.isHighSurrogate(c) && i + 1 < content.length()
                    && Character.isLowSurrogate(content.charAt(i + 1)))) {
                if (!(Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(content.charAt(i - 1)))) {
                    throw new InvalidRequestException("Field 'content' holds a broken surrogate pair at index " + i);
                }
            }
        }
        return content;
    }

    /**
     * Checks a post id from a path.
     * @param postId the id
     * @return the id
     * @throws InvalidRequestException if not positive
     */
    public long postId(long postId) {
        if (postId <= 0) {
            throw new InvalidRequestException("Post id must be a positive number, but was " + postId);
        }
        return postId;
    }

}
