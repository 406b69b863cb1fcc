package io.wmb.reconciler.scan;

import java.time.Instant;
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
    void shouldCutTheWindowIntoAdjacentSlices() {
        Instant from = Instant.parse("2030-05-01T10:00:00Z");
        List<ScanWindow> slices = ProcessingLogScanner.slices(new ScanWindow(from, from.plusMillis(1001)), 3);
        assertThat(slices).hasSize(3);
        assertThat(slices.get(0).from()).isEqualTo(from);
        assertThat(slices.get(0).to()).isEqualTo(slices.get(1).from());
        assertThat(slices.get(1).to()).isEqualTo(slices.get(2).from());
        assertThat(slices.get(2).to()).isEqualTo(from.plusMillis(1001));
        assertThat(ProcessingLogScanner.slices(new ScanWindow(from, from.plusMillis(1)), 4)).hasSize(1);
    }

    @Test
    void shouldHaveTenStageCategoriesTwoOriginsTimesFiveStages() {
        assertThat(ProcessingLogScanner.stageCategories()).hasSize(10)
                .containsKeys("unicom/ACCEPTED", "telecom/REMOTE_APPLIED");
    }

}
