package io.wmb.processor;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import javax.sql.DataSource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import io.wmb.infra.Datacenter;
import io.wmb.processor.metrics.ProcessorMetrics;
import io.wmb.processor.post.PostState;
import io.wmb.processor.store.PostRepository;
import io.wmb.processor.store.StoreOutcome;

import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/** A batch's upserts at the real MariaDB master, with another writer committing in the middle of them. */
class PostRepositoryIntegrationTests extends IntegrationTestSupport {

    private final ProcessorMetrics metrics = new ProcessorMetrics(new SimpleMeterRegistry());

    @Test
    void shouldCallABatchsWriteStaleWhenANewerVersionIsCommittedBetweenItsReadAndItsUpsert() {
        long id = ThreadLocalRandom.current().nextLong(1L << 40, Long.MAX_VALUE / 2);
        PostRepository other = new PostRepository(new JdbcTemplate(master()), metrics);
        other.upsert(post(id, 1, "first"));
        DataSource dataSource = master();
        // Runs the other writer's commit right after the batch has read the stored versions.
        JdbcTemplate racing = new JdbcTemplate(dataSource) {

            private boolean raced;

            @Override
            public void query(String sql, RowCallbackHandler handler, Object... args) {
                super.query(sql, handler, args);
                if (!raced) {
                    raced = true;
                    assertThat(other.upsert(post(id, 3, "the other writer's"))).isEqualTo(StoreOutcome.APPLIED);
                }
            }

        };
        PostRepository batch = new PostRepository(racing, metrics);
        TransactionTemplate transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));

        List<StoreOutcome> outcomes = transactions.execute(status -> batch.upsertAll(List.of(post(id, 2, "mine"))));

        assertThat(outcomes).containsExactly(StoreOutcome.STALE);
        assertThat(other.find(id)).get().extracting(PostState::content).isEqualTo("the other writer's");
    }

    @Test
    void shouldAnswerEachWriteOfABatchAsIfAppliedOneByOne() {
        long id = ThreadLocalRandom.current().nextLong(1L << 40, Long.MAX_VALUE / 2);
        long fresh = id + 1;
        PostRepository repository = new PostRepository(new JdbcTemplate(master()), metrics);
        repository.upsert(post(id, 5, "stored"));
        TransactionTemplate transactions = new TransactionTemplate(new DataSourceTransactionManager(master()));

        List<StoreOutcome> outcomes = transactions.execute(status -> repository.upsertAll(List.of(post(id, 5,
                "stored"), post(id, 4, "older"), post(id, 6, "newer"), post(fresh, 1, "new"), post(id, 6, "newer"),
                post(fresh, 2, "new, edited"), post(id, 5, "stored"))));

        assertThat(outcomes).containsExactly(StoreOutcome.DUPLICATE, StoreOutcome.STALE, StoreOutcome.APPLIED,
                StoreOutcome.APPLIED, StoreOutcome.DUPLICATE, StoreOutcome.APPLIED, StoreOutcome.STALE);
        assertThat(repository.find(id)).get().extracting(PostState::content).isEqualTo("newer");
        assertThat(repository.find(fresh)).get().extracting(PostState::content).isEqualTo("new, edited");
    }

    /** A data source of its own: a transaction bound to one is not seen by another. */
    private static DataSource master() {
        return new DriverManagerDataSource(datacenters.infrastructure.mysqlUrl(Datacenter.UNICOM)
                + "?useAffectedRows=true&rewriteBatchedStatements=true", datacenters.infrastructure.mysqlUser(),
                datacenters.infrastructure.mysqlPassword());
    }

    private static PostState post(long id, long version, String content) {
        return new PostState(id, 7, content, false, version, 1, 1, Map.of());
    }

}
