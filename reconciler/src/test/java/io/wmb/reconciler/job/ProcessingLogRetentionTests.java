package io.wmb.reconciler.job;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ProcessingLogRetentionTests {

    private final Clock clock = Clock.fixed(Instant.parse("2030-05-10T01:00:00Z"), ZoneOffset.UTC);

    @Test
    void shouldExpireOnlyWholeDaysOlderThanTheRetention() {
        ProcessingLogRetention retention = new ProcessingLogRetention(null, Duration.ofDays(7), this.clock);
        List<String> expired = retention.expired(List.of("wmb-processing-log-2030.05.01",
                "wmb-processing-log-2030.05.02", "wmb-processing-log-2030.05.03", "wmb-processing-log-2030.05.10",
                "wmb-processing-log-garbage", "wmb-dead-letters"));
        // now - 7d = 2030-05-03T01:00Z: the 3rd still holds records younger than the retention.
        assertThat(expired).containsExactly("wmb-processing-log-2030.05.01", "wmb-processing-log-2030.05.02");
    }

    @Test
    void shouldRefuseARetentionShorterThanADay() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ProcessingLogRetention(null, Duration.ofHours(3), this.clock))
                .withMessageContaining("PT3H");
    }

}
