package io.wmb.gateway.ops;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

class OverviewServiceTests {

    @Test
    void shouldPickTheReplicationFiguresOutOfAPrometheusPage() {
        String page = """
                # HELP wmb_reship_outbox_depth writes not yet acknowledged
                # TYPE wmb_reship_outbox_depth gauge
                wmb_reship_outbox_depth{application="wmb-reship",datacenter="unicom"} 42.0
                wmb_reship_outbox_oldest_age_seconds{datacenter="unicom"} 1.5
                wmb_reship_ack_latency_seconds_count 10
                jvm_memory_used_bytes{area="heap"} 1.0E8
                wmb_collector_replication_lag_seconds_count 4
                wmb_collector_replication_lag_seconds_sum 0.2
                wmb_collector_replication_lag_seconds_max 0.09
                """;
        List<Map<String, Object>> metrics = OverviewService.replicationMetrics(page);
        assertThat(metrics).extracting((sample) -> sample.get("name")).containsExactly(
                "wmb_reship_outbox_depth", "wmb_reship_outbox_oldest_age_seconds",
                "wmb_collector_replication_lag_seconds_max", "wmb_collector_replication_lag_seconds_mean");
        assertThat(metrics.get(0)).containsEntry("value", 42.0)
            .containsEntry("labels", "{application=\"wmb-reship\",datacenter=\"unicom\"}");
        assertThat((Double) metrics.get(3).get("value")).isCloseTo(0.05, offset(1e-9));
    }

}
