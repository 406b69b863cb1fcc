package io.wmb.infra;

import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The demo's real Redis servers keep what they answered across a {@code kill -9}. */
class RedisServersIntegrationTests {

    private static final int KEYS = 2_000;

    @Test
    void shouldStillHoldEveryAnsweredWriteAfterAKill9AndARestart(@TempDir Path root) throws Exception {
        InfrastructureSettings settings = InfrastructureSettings.ephemeral(root, "redis-it");
        RedisServers first = RedisServers.start(settings, ServerListener.NONE);
        try {
            try (Jedis telecom = new Jedis(URI.create(first.url(Datacenter.TELECOM)))) {
                assertThat(telecom.configGet("appendfsync")).containsEntry("appendfsync", "everysec");
                for (int i = 0; i < KEYS; i++) {
                    telecom.hset("wmb:post:" + i, "likes:telecom", Integer.toString(i));
                }
            }
            // What a crash does: no shutdown, no final write of the file.
            ProcessHandle redis = ProcessHandle.of(first.pid(Datacenter.TELECOM)).orElseThrow();
            redis.destroyForcibly();
            redis.onExit().get(10, TimeUnit.SECONDS);
        }
        finally {
            first.close();
        }

        RedisServers second = RedisServers.start(settings, ServerListener.NONE);
        try (Jedis telecom = new Jedis(URI.create(second.url(Datacenter.TELECOM)))) {
            assertThat(telecom.dbSize()).isEqualTo(KEYS);
            assertThat(telecom.hget("wmb:post:" + (KEYS - 1), "likes:telecom")).isEqualTo(Integer.toString(KEYS - 1));
        }
        finally {
            second.close();
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
