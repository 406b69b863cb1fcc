package io.wmb.processinglog;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class SpillStoreTests {

    @TempDir
    Path directory;

    @Nested
    class Appending {

        @Test
        void shouldWriteOneLinePerRecordAndCountBytes() throws IOException {
            try (SpillStore store = new SpillStore(directory)) {
                store.append(List.of("{\"a\":1}", "{\"b\":2}"), 0);
                store.append(List.of("{\"c\":3}"), 0);

                List<Path> segments = store.seal();

                assertThat(segments).hasSize(1);
                assertThat(Files.readAllLines(segments.get(0))).containsExactly("{\"a\":1}", "{\"b\":2}",
                        "{\"c\":3}");
                assertThat(store.pendingBytes()).isEqualTo(Files.size(segments.get(0))).isEqualTo(24);
                assertThat(store.isEmpty()).isFalse();
            }
        }

        @Test
        void shouldStartNewSegmentWhenActiveOneIsFull() throws IOException {
            try (SpillStore store = new SpillStore(directory, 10)) {
                store.append(List.of("0123456789"), 0);
                store.append(List.of("abc"), 0);
                store.append(List.of("def"), 0);

                List<Path> segments = store.seal();

                assertThat(segments).extracting((path) -> path.getFileName().toString())
                        .containsExactly("spill-000000000001.jsonl", "spill-000000000002.jsonl");
                assertThat(Files.readAllLines(segments.get(1))).containsExactly("abc", "def");
            }
        }

        @Test
        void shouldIgnoreEmptyAppends() throws IOException {
            try (SpillStore store = new SpillStore(directory)) {
                store.append(List.of(), 0);

                assertThat(store.isEmpty()).isTrue();
                assertThat(store.seal()).isEmpty();
            }
        }

    }

    @Nested
    class Sealing {

        @Test
        void shouldAppendToFreshSegmentAfterSeal() throws IOException {
            try (SpillStore store = new SpillStore(directory)) {
                store.append(List.of("first"), 0);
                List<Path> sealed = store.seal();
                store.append(List.of("second"), 0);

                List<Path> all = store.seal();

                assertThat(all).hasSize(2).startsWith(sealed.get(0));
                assertThat(Files.readAllLines(all.get(0))).containsExactly("first");
                assertThat(Files.readAllLines(all.get(1))).containsExactly("second");
            }
        }

        @Test
        void shouldForgetSegmentOnlyWhenDeleted() throws IOException {
            try (SpillStore store = new SpillStore(directory)) {
                store.append(List.of("one"), 0);
                Path segment = store.seal().get(0);

                assertThat(store.seal()).containsExactly(segment);
                store.delete(segment);

                assertThat(segment).doesNotExist();
                assertThat(store.seal()).isEmpty();
                assertThat(store.isEmpty()).isTrue();
                assertThat(store.pendingBytes()).isZero();
            }
        }

        @Test
        void shouldRefuseToDeleteForeignFile() throws IOException {
            try (SpillStore store = new SpillStore(directory)) {
                assertThatIllegalArgumentException().isThrownBy(() -> store.delete(directory.resolve("x.jsonl")))
                        .withMessageContaining("x.jsonl");
            }
        }

    }

    @Nested
    class Restarting {

        @Test
        void shouldHandOutSegmentsOfEarlierRunOldestFirst() throws IOException {
            try (SpillStore first = new SpillStore(directory, 5)) {
                first.append(List.of("aaaaa"), 0);
                first.append(List.of("bbbbb"), 0);
                first.append(List.of("ccccc"), 0);
            }

            try (SpillStore second = new SpillStore(directory)) {
                assertThat(second.isEmpty()).isFalse();
                assertThat(second.pendingBytes()).isEqualTo(18);
                second.append(List.of("ddddd"), 0);

                List<String> lines = new ArrayList<>();
                for (Path segment : second.seal()) {
                    lines.addAll(Files.readAllLines(segment));
                }

                assertThat(lines).containsExactly("aaaaa", "bbbbb", "ccccc", "ddddd");
            }
        }

        @Test
        void shouldKeepTornLastLineApartFromNewRecords() throws IOException {
            Files.createDirectories(directory);
            // What a process leaves when it dies in the middle of a write.
            Files.writeString(directory.resolve("spill-000000000007.jsonl"), "{\"complete\":1}\n{\"torn",
                    StandardCharsets.UTF_8);

            try (SpillStore store = new SpillStore(directory)) {
                store.append(List.of("{\"next\":1}"), 0);

                List<Path> segments = store.seal();

                assertThat(segments).extracting((path) -> path.getFileName().toString())
                        .containsExactly("spill-000000000007.jsonl", "spill-000000000008.jsonl");
                assertThat(Files.readAllLines(segments.get(1))).containsExactly("{\"next\":1}");
            }
        }

        @Test
        void shouldRefuseSecondWriterOnSameDirectory() throws IOException {
            try (SpillStore first = new SpillStore(directory)) {
                assertThatIllegalStateException().isThrownBy(() -> new SpillStore(directory))
                        .withMessageContaining(directory.toString());
            }
            try (SpillStore again = new SpillStore(directory)) {
                assertThat(again.isEmpty()).isTrue();
            }
        }

    }

    @Nested
    class Rejecting {

        @Test
        void shouldKeepRejectedLinesOutOfReplay() throws IOException {
            try (SpillStore store = new SpillStore(directory)) {
                store.reject(List.of("{\"bad\":1}"));

                assertThat(store.seal()).isEmpty();
                assertThat(Files.readAllLines(directory.resolve(SpillStore.REJECTED_FILE)))
                        .containsExactly("{\"bad\":1}");
            }
        }

        @Test
        void shouldRefuseWritesAfterClose() throws IOException {
            SpillStore store = new SpillStore(directory);
            store.close();

            assertThatIllegalStateException().isThrownBy(() -> store.append(List.of("late"), 0))
                    .withMessageContaining("closed");
        }

    }

    @Nested
    class Watermark {

        @Test
        void shouldHoldOldestRecordOfEverySegmentUntilItIsDeleted() throws IOException {
            try (SpillStore store = new SpillStore(directory)) {
                assertThat(store.oldestMillis()).isEqualTo(SpillStore.NONE);
                store.append(List.of("older"), 100);
                List<Path> sealed = store.seal();
                store.append(List.of("newer"), 300);
                store.append(List.of("out of order"), 200);

                assertThat(store.oldestMillis()).isEqualTo(100);
                store.delete(sealed.get(0));
                assertThat(store.oldestMillis()).as("the active segment's oldest").isEqualTo(200);
                store.delete(store.seal().get(0));
                assertThat(store.oldestMillis()).isEqualTo(SpillStore.NONE);
            }
        }

        @Test
        void shouldHoldAtEpochUntilSegmentsOfEarlierRunAreMeasured() throws IOException {
            try (SpillStore first = new SpillStore(directory, 5)) {
                first.append(List.of("500"), 500);
                first.append(List.of("400", "torn"), 400);
            }

            try (SpillStore second = new SpillStore(directory)) {
                second.append(List.of("900"), 900);
                assertThat(second.oldestMillis()).as("unknown yet: hold everything back").isZero();

                second.measure((line) -> "torn".equals(line) ? SpillStore.NONE : Long.parseLong(line));

                assertThat(second.oldestMillis()).isEqualTo(400);
                for (Path segment : second.seal()) {
                    second.delete(segment);
                }
                assertThat(second.oldestMillis()).isEqualTo(SpillStore.NONE);
            }
        }

    }

}
