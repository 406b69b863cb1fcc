package io.wmb.reconciler.scan;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ProcessingLogScannerTests {

    @Test
    void shouldMergeOverlappingAndTouchingRanges() {
        List<long[]> merged = ProcessingLogScanner.merge(List.of(new long[] { 30, 40 }, new long[] { 0, 10 },
                new long[] { 10, 20 }, new long[] { 35, 50 }, new long[] { 60, 70 }));
        assertThat(merged).containsExactly(new long[] { 0, 20 }, new long[] { 30, 50 }, new long[] { 60, 70 });
    }

    @Test
    void shouldHaveTenStageCategoriesTwoOriginsTimesFiveStages() {
        assertThat(ProcessingLogScanner.stageCategories()).hasSize(10)
                .containsKeys("unicom/ACCEPTED", "telecom/REMOTE_APPLIED");
    }

}
