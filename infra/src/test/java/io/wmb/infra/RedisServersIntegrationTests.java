package io.wmb.infra;

import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/** The demo's real Redis servers keep what they answered across a {@code kill -9}. */
class RedisServersIntegrationTests {

    private static final int KEYS = 2_000;

    @Test
    void shouldStillHoldEveryAnsweredWriteWhenStartedAgainAfterAKill9(@TempDir Path root) throws Exception {
        InfrastructureSettings settings = InfrastructureSettings.ephemeral(root, "redis-it");
        try (RedisServers redis = RedisServers.start(settings, ServerListener.NONE)) {
            int port = redis.port(Datacenter.TELECOM);
            try (Jedis telecom = new Jedis(URI.create(redis.url(Datacenter.TELECOM)))) {
                assertThat(telecom.configGet("appendfsync")).containsEntry("appendfsync", "everysec");
                for (int i = 0; i < KEYS; i++) {
                    telecom.hset("wmb:post:" + i, "l:telecom", Integer.toString(i));
                }
            }
            assertThatIllegalStateException().isThrownBy(() -> redis.startAgain(Datacenter.TELECOM,
                    ServerListener.NONE)).withMessageContaining("only a Redis that died");

            // What a crash does: no shutdown, no final write of the file.
            ProcessHandle killed = ProcessHandle.of(redis.pid(Datacenter.TELECOM)).orElseThrow();
            killed.destroyForcibly();
            killed.onExit().get(10, TimeUnit.SECONDS);
            long pid = redis.startAgain(Datacenter.TELECOM, ServerListener.NONE);

            assertThat(pid).isPositive().isNotEqualTo(killed.pid());
            assertThat(redis.port(Datacenter.TELECOM)).isEqualTo(port);
            try (Jedis telecom = new Jedis(URI.create(redis.url(Datacenter.TELECOM)))) {
                assertThat(telecom.dbSize()).isEqualTo(KEYS);
                assertThat(telecom.hget("wmb:post:" + (KEYS - 1), "l:telecom")).isEqualTo(Integer.toString(KEYS - 1));
            }
        }
    }

    @Test
    void shouldRefuseAnAppendfsyncRedisDoesNotKnow() {
        assertThat(RedisServers.appendfsync(null)).isEqualTo("everysec");
        assertThat(RedisServers.appendfsync(" always ")).isEqualTo("always");
        assertThatIllegalArgumentException().isThrownBy(() -> RedisServers.appendfsync("sometimes"))
            .withMessageContaining("WMB_REDIS_APPENDFSYNC");
    }

}
