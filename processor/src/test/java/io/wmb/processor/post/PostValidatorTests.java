package io.wmb.processor.post;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PostValidatorTests {

    private final PostValidator validator = new PostValidator(2000);

    @Test
    void shouldAcceptContentOfExactlyTheLimitCountingCodePoints() {
        String emoji = "\uD83D\uDE00";
        assertThat(validator.content(emoji.repeat(2000))).hasSize(4000);
        assertThat(validator.content("a".repeat(2000))).hasSize(2000);
        assertThat(validator.content("line one\nline two\ttab")).contains("\n");
    }

    @Test
    void shouldRejectContentOverTheLimit() {
        assertThatThrownBy(() -> validator.content("a".repeat(2001))).isInstanceOf(InvalidRequestException.class)
            .hasMessage("Field 'content' must be at most 2000 characters, but was 2001");
    }

    @Test
    void shouldRejectMissingOrBlankContent() {
        assertThatThrownBy(() -> validator.content(null)).hasMessage("Field 'content' is required");
        assertThatThrownBy(() -> validator.content("")).hasMessage("Field 'content' must not be empty");
        assertThatThrownBy(() -> validator.content(" \n\t ")).hasMessage("Field 'content' must not be empty");
    }

    @Test
    void shouldRejectControlCharactersAndBrokenSurrogates() {
        assertThatThrownBy(() -> validator.content("a\u0000b")).hasMessageContaining("U+0000 at index 1");
        assertThatThrownBy(() -> validator.content("a\uD83D")).hasMessageContaining("broken surrogate pair");
        assertThatThrownBy(() -> validator.content("\uDE00a")).hasMessageContaining("broken surrogate pair");
    }

    @Test
    void shouldRequirePositiveIds() {
        assertThat(validator.authorId(42L)).isEqualTo(42L);
        assertThatThrownBy(() -> validator.authorId(null)).hasMessage("Field 'authorId' is required");
        assertThatThrownBy(() -> validator.authorId(0L)).hasMessageContaining("positive number, but was 0");
        assertThatThrownBy(() -> validator.postId(-5)).hasMessageContaining("but was -5");
    }

}
