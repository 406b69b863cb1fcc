package io.wmb.gateway.health;

import java.net.URI;
import java.time.Clock;
import java.util.List;

import io.wmb.gateway.health.HealthRegistry.Status;
import io.wmb.gateway.routing.Datacenter;
import io.wmb.gateway.routing.Target;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HealthRegistryTests {

    private final Target processor = new Target("unicom@8101", URI.create("http://127.0.0.1:8101"), Datacenter.UNICOM);

    private final HealthRegistry registry = new HealthRegistry(List.of(this.processor), 2, 2, Clock.systemUTC());

    @Test
    void targetNotCheckedYetIsAvailable() {
        assertThat(this.registry.state(this.processor).status()).isEqualTo(Status.UNKNOWN);
        assertThat(this.registry.isAvailable(this.processor)).isTrue();
    }

    @Test
    void targetIsDownAfterFallFailuresInARow() {
        this.registry.failure(this.processor, "refused");
        assertThat(this.registry.isAvailable(this.processor)).isTrue();
        this.registry.failure(this.processor, "refused");
        assertThat(this.registry.isAvailable(this.processor)).isFalse();
    }

    @Test
    void targetStillStartingIsUpOnItsFirstSuccess() {
        this.registry.failure(this.processor, "refused");
        this.registry.failure(this.processor, "refused");

        this.registry.success(this.processor);

        assertThat(this.registry.state(this.processor).status()).isEqualTo(Status.UP);
    }

    @Test
    void targetThatWentDownNeedsRiseSuccessesToComeBack() {
        this.registry.success(this.processor);
        this.registry.markDown(this.processor, "connection refused");

        this.registry.success(this.processor);
        assertThat(this.registry.isAvailable(this.processor)).isFalse();
        this.registry.success(this.processor);
        assertThat(this.registry.isAvailable(this.processor)).isTrue();
    }

}
