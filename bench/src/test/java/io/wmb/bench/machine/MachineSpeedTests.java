package io.wmb.bench.machine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class MachineSpeedTests {

    @TempDir
    Path directory;

    @Test
    void shouldMeasureBothFiguresAndLeaveNoFileBehind() throws IOException {
        MachineSpeed speed = MachineSpeed.measure(Duration.ofMillis(50), Duration.ofMillis(20), this.directory);

        assertThat(speed.jsonRoundTripsPerSecond()).isPositive();
        assertThat(speed.fsyncMicros()).isPositive();
        try (var files = Files.list(this.directory)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void shouldDescribeTheFiguresForTheReport() {
        assertThat(new MachineSpeed(123_456.7, 190.4).describe())
            .startsWith("123,457 JSON round trips/s on one core")
            .contains("fsync of 4 KiB in the data root 190 us");
    }

}
