package io.wmb.processor.apply;

import java.sql.SQLException;

import org.junit.jupiter.api.Test;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;

import static org.assertj.core.api.Assertions.assertThat;

class WriteApplierTests {

    @Test
    void shouldTakeAStoreThatCouldNotBeReachedOrDidNotAnswerForUnavailable() {
        assertThat(WriteApplier.isUnavailable(new CannotGetJdbcConnectionException("no connection",
                new SQLException("timeout")))).isTrue();
        assertThat(WriteApplier.isUnavailable(new RecoverableDataAccessException("socket timeout"))).isTrue();
        assertThat(WriteApplier.isUnavailable(new QueryTimeoutException("slow"))).isTrue();
        assertThat(WriteApplier.isUnavailable(new JedisConnectionException("Unexpected end of stream."))).isTrue();
    }

    @Test
    void shouldNotTakeAFailureOfTheWriteItselfForUnavailable() {
        assertThat(WriteApplier.isUnavailable(new DataIntegrityViolationException("too long"))).isFalse();
        assertThat(WriteApplier.isUnavailable(new JedisDataException("WRONGTYPE"))).isFalse();
        assertThat(WriteApplier.isUnavailable(new IllegalStateException("a bug"))).isFalse();
    }

}
