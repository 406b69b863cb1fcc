package io.wmb.processor;

import java.util.Map;

import io.wmb.processor.post.PostState;
import io.wmb.processor.store.PostCache;
import io.wmb.processor.store.PostCache.Backing;
import io.wmb.processor.store.PostRepository;
import io.wmb.processor.store.PostStore;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A datacenter that becomes the owner of the MySQL master in a failover copies its cache into MySQL: writes it took
 * while it was not the owner went to its Redis only. Against the real MariaDB master and Redis of unicom.
 */
class CacheAdoptionIntegrationTests extends IntegrationTestSupport {

    @Test
    void shouldCopyCachedPostsThatMysqlLacksOrHasOlderAndKeepNewerRows() {
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

        long visited = unicom.context().getBean(PostStore.class).adoptCache();

        assertThat(visited).isGreaterThanOrEqualTo(3);
        assertThat(repository.find(onlyCached.id())).hasValueSatisfying(row -> {
            assertThat(row.content()).isEqualTo("only in the cache");
            assertThat(row.likes()).containsEntry("telecom", 3L);
        });
        assertThat(repository.find(newerInCache.id())).hasValueSatisfying(
                row -> assertThat(row.content()).isEqualTo("newer in the cache"));
        assertThat(repository.find(newerInMysql.id())).hasValueSatisfying(
                row -> assertThat(row.content()).isEqualTo("newer row"));
    }

}
