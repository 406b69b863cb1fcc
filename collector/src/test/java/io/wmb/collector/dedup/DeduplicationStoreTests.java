package io.wmb.collector.dedup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class DeduplicationStoreTests {

    @TempDir
    Path dir;

    @Test
    void shouldRememberAppliedRequestsAcrossARestart() {
        try (DeduplicationStore store = new DeduplicationStore(this.dir, Duration.ofDays(1))) {
            store.remember(List.of("req-1", "req-2"), System.currentTimeMillis());

            assertThat(store.contains("req-1")).isTrue();
            assertThat(store.contains("req-3")).isFalse();
        }
        try (DeduplicationStore reopened = new DeduplicationStore(this.dir, Duration.ofDays(1))) {
            assertThat(reopened.contains("req-2")).isTrue();
            assertThat(reopened.contains("req-3")).isFalse();
        }
    }

    @Test
    void shouldWriteTableFilesWithABloomFilterSoThatNewRequestsAreAnsweredFromMemory() throws IOException {
        try (DeduplicationStore store = new DeduplicationStore(this.dir, Duration.ofDays(1))) {
            store.remember(List.of("req-1"), System.currentTimeMillis());
        }
        // RocksDB writes the options every table file of the store is built with next to them.
        try (Stream<Path> files = Files.list(this.dir)) {
            Path options = files.filter((file) -> file.getFileName().toString().startsWith("OPTIONS-"))
                .max(Path::compareTo)
                .orElseThrow();
            assertThat(Files.readAllLines(options)).map(String::strip)
                .contains("filter_policy=bloomfilter:10:false", "memtable_whole_key_filtering=true");
        }
    }

    @Test
    void shouldNameABadRetention() {
        assertThatIllegalArgumentException()
            .isThrownBy(() -> new DeduplicationStore(this.dir, Duration.ofMillis(10)))
            .withMessage("retention must be between 1 s and 68 years, but was PT0.01S");
    }

}
