package io.wmb.processor.post;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PostStateTests {

    private static PostState postByAlice() {
        return new PostState(7, 42, "hello", false, 100, 1_000, 1_000, Map.of("unicom", 3L, "telecom", 5L));
    }

    @Test
    void shouldSumLikesOfBothDatacenters() {
        assertThat(postByAlice().totalLikes()).isEqualTo(8);
    }

    @Test
    void shouldMergeLikesByMaximumSoThatNoIncrementIsLost() {
        PostState merged = postByAlice().withLikes("unicom", 2).withLikes("telecom", 9);
        assertThat(merged.likes()).containsEntry("unicom", 3L).containsEntry("telecom", 9L);
        assertThat(merged.totalLikes()).isEqualTo(12);
    }

    @Test
    void shouldKeepLikesAndCreationTimeInTombstone() {
        PostState tombstone = postByAlice().asTombstone(200, 2_000);
        assertThat(tombstone.deleted()).isTrue();
        assertThat(tombstone.content()).isEmpty();
        assertThat(tombstone.version()).isEqualTo(200);
        assertThat(tombstone.createdAtMs()).isEqualTo(1_000);
        assertThat(tombstone.updatedAtMs()).isEqualTo(2_000);
        assertThat(tombstone.totalLikes()).isEqualTo(8);
    }

    @Test
    void shouldReviveContentOnlyAtNewVersion() {
        PostState edited = postByAlice().withContent("edited", 300, 3_000);
        assertThat(edited.content()).isEqualTo("edited");
        assertThat(edited.version()).isEqualTo(300);
        assertThat(edited.deleted()).isFalse();
    }

    @Test
    void shouldMergeTwoStatesIntoTheNewerContentWithTheHigherOfEachLikeCounter() {
        PostState older = postByAlice().withLikes("telecom", 9);
        PostState newer = postByAlice().withContent("edited", 300, 3_000).withLikes("unicom", 4);

        for (PostState merged : new PostState[] { older.mergedWith(newer), newer.mergedWith(older) }) {
            assertThat(merged.content()).isEqualTo("edited");
            assertThat(merged.version()).isEqualTo(300);
            assertThat(merged.likes()).containsEntry("unicom", 4L).containsEntry("telecom", 9L);
        }
        PostState sameVersion = postByAlice().withContent("other", 100, 1_000);
        assertThat(postByAlice().mergedWith(sameVersion).content()).isEqualTo("hello");
    }

}
