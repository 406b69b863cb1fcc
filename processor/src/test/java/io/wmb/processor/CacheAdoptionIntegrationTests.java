package io.wmb.processor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import io.wmb.processor.post.PostState;
import io.wmb.processor.store.PostCache;
import io.wmb.processor.store.PostCache.Backing;
import io.wmb.processor.store.PostRepository;
import io.wmb.processor.store.PostStore;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A datacenter that becomes the owner of the MySQL master in a failover copies into MySQL what its cache took while
 * it was not the owner: those writes went to its Redis only, and are the posts pinned there. Against the real
 * MariaDB master and Redis of unicom, which owns the master, so posts pinned in its cache stand for that state.
 */
class CacheAdoptionIntegrationTests extends IntegrationTestSupport {

    @Test
    void shouldCopyPinnedPostsThatMysqlLacksOrHasOlderAndKeepNewerRows() {
        PostCache cache = unicom.context().getBean(PostCache.class);
        PostRepository repository = unicom.context().getBean(PostRepository.class);
        long now = System.currentTimeMillis();
        long author = newAuthor();
        PostState onlyCached = new PostState(author % (1L << 40) * 4 + 1, author, "only in the cache", false,
                (now << 20) | 2, now, now, Map.of("telecom", 3L));
        PostState newerInCache = new PostState(onlyCached.id() + 1, author, "older row", false, (now << 20) | 1, now,
                now, Map.of());
        PostState newerInMysql = new PostState(onlyCached.id() + 2, author, "newer row", false, (now << 20) | 17,
                now, now, Map.of());
        repository.upsert(newerInCache);
        repository.upsert(newerInMysql);
        cache.apply(onlyCached, "telecom", Backing.CACHE_ONLY);
        cache.apply(newerInCache.withContent("newer in the cache", newerInCache.version() + 16, now), "telecom",
                Backing.CACHE_ONLY);
        cache.apply(newerInMysql.withContent("older in the cache", newerInMysql.version() - 16, now), "",
                Backing.DATABASE);

        long copied = unicom.context().getBean(PostStore.class).adoptCache();

        assertThat(copied).isGreaterThanOrEqualTo(2);
        assertThat(repository.find(onlyCached.id())).hasValueSatisfying(row -> {
            assertThat(row.content()).isEqualTo("only in the cache");
            assertThat(row.likes()).containsEntry("telecom", 3L);
        });
        assertThat(repository.find(newerInCache.id())).hasValueSatisfying(
                row -> assertThat(row.content()).isEqualTo("newer in the cache"));
        assertThat(repository.find(newerInMysql.id())).hasValueSatisfying(
                row -> assertThat(row.content()).isEqualTo("newer row"));
        // MySQL holds them now: Redis may evict them again.
        assertThat(cache.unconfirmed(Duration.ZERO, Integer.MAX_VALUE))
            .doesNotContain(onlyCached.id(), newerInCache.id());
    }

    @Test
    void shouldCopyManyPinnedPostsInAFewStatementsPerPage() {
        PostCache cache = unicom.context().getBean(PostCache.class);
        PostRepository repository = unicom.context().getBean(PostRepository.class);
        long now = System.currentTimeMillis();
        long author = newAuthor();
        long first = ThreadLocalRandom.current().nextLong(1L << 40, Long.MAX_VALUE / 4);
        List<PostState> posts = new ArrayList<>();
        for (int i = 0; i < 1_200; i++) {
            posts.add(new PostState(first + i, author, "taken while telecom owned nothing " + i, false,
                    (now << 20) | 2, now, now, Map.of("telecom", (long) i)));
        }
        cache.applyAll(posts, Collections.nCopies(posts.size(), "telecom"), Backing.CACHE_ONLY);
        long inserts = masterStatus("Com_insert");

        unicom.context().getBean(PostStore.class).adoptCache();

        // Three pages of 500, each one multi-row upsert and one multi-row like merge (one statement a post each
        // before: 2,400).
        assertThat(masterStatus("Com_insert") - inserts).isLessThanOrEqualTo(12);
        assertThat(rowsOfAuthor(author)).isEqualTo(1_200);
        assertThat(repository.find(first + 1_199)).hasValueSatisfying(
                row -> assertThat(row.likes()).containsEntry("telecom", 1_199L));
        assertThat(cache.unconfirmed(Duration.ZERO, Integer.MAX_VALUE)).doesNotContain(first, first + 1_199);
    }

    @Test
    void shouldCopyAPostPinnedAfterTheCopyOnALaterConfirmationPass() {
        // A write that checked ownership just before the failover lands in the cache alone, after the copy ran.
        PostCache cache = unicom.context().getBean(PostCache.class);
        PostRepository repository = unicom.context().getBean(PostRepository.class);
        long now = System.currentTimeMillis();
        long author = newAuthor();
        PostState late = new PostState(author % (1L << 40) * 4 + 3, author, "under way as ownership changed", false,
                (now << 20) | 2, now, now, Map.of("unicom", 2L));
        cache.apply(late, "unicom", Backing.CACHE_ONLY);

        // The processor's own confirmation pass, every second in these tests.
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(repository.find(late.id()))
            .hasValueSatisfying(row -> {
                assertThat(row.content()).isEqualTo("under way as ownership changed");
                assertThat(row.likes()).containsEntry("unicom", 2L);
            }));
        await().atMost(Duration.ofSeconds(5))
            .until(() -> !cache.unconfirmed(Duration.ZERO, Integer.MAX_VALUE).contains(late.id()));
    }

}
