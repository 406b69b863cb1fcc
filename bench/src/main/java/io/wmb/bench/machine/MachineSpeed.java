package io.wmb.bench.machine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * How fast the machine under a run is, measured in a few seconds before the load: one core's speed at the kind of
 * work the services do (JSON in and out on the JVM) and the disk's fsync, which every MySQL commit waits for.
 *
 * <p>The same 2-core machine kind has come on different hosts: a run on an AMD EPYC host and one on an Intel Xeon
 * host 17-46% apart lane by lane, the references (direct, nginx) included. The ratios of a run travel between
 * hosts; its absolute figures compare only with a run of about the same calibration.
 *
 * <p>Both are the machine at its best, not under the run's load: the JSON figure is the best of its samples, taken
 * once the JIT has compiled the work (its rate stopped rising), since on a busy machine a sample that lost the core
 * says how busy the machine is, not how fast (one taken while a dozen JVMs were starting gave 66,000 against the
 * same host's 934,000).
 *
 * @param jsonRoundTripsPerSecond one thread serialising and parsing a post-sized document, best of the samples
 * @param fsyncMicros the median time to write and fsync 4 KiB in the given directory
 */
public record MachineSpeed(double jsonRoundTripsPerSecond, double fsyncMicros) {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static final Map<String, Object> POST = Map.of("id", 378829271650640L, "authorId", 42,
            "content", "hello from the south, a post of about the size the benchmark writes", "likes", 3,
            "version", 1883824261849677825L, "createdAt", 1_765_000_000_000L, "updatedAt", 1_765_000_000_123L,
            "deleted", false);

    private static final int SAMPLES = 5;

    private static final int FSYNCS = 200;

    /**
     * Measures both, on the calling thread: first the JSON work in samples until its rate stops rising (at most
     * {@code maxWarmUp}), then {@value #SAMPLES} more samples, of which the best counts.
     * @param maxWarmUp the longest the JSON work runs before it is timed (the JIT compiles it meanwhile)
     * @param sample how long each sample runs
     * @param directory where to write the file that is fsynced (the demo's data root: the disk MySQL uses)
     * @return the figures
     * @throws IOException if the file cannot be written
     */
    public static MachineSpeed measure(Duration maxWarmUp, Duration sample, Path directory) throws IOException {
        long warmUpEnds = System.nanoTime() + maxWarmUp.toNanos();
        double previous = jsonRoundTrips(sample);
        while (System.nanoTime() < warmUpEnds) {
            double rate = jsonRoundTrips(sample);
            if (rate < previous * 1.05) {
                break;
            }
            previous = rate;
        }
        double best = 0;
        for (int i = 0; i < SAMPLES; i++) {
            best = Math.max(best, jsonRoundTrips(sample));
        }
        return new MachineSpeed(best, fsyncMicros(directory));
    }

    /** For the report's machine paragraph. */
    public String describe() {
        return String.format(Locale.ROOT, "%,.0f JSON round trips/s on one core (a post-sized document through "
                + "Jackson, once compiled; best of %d samples), fsync of 4 KiB in the data root %.0f us (median "
                + "of %d)", this.jsonRoundTripsPerSecond, SAMPLES, this.fsyncMicros, FSYNCS);
    }

    private static double jsonRoundTrips(Duration duration) throws IOException {
        long deadline = System.nanoTime() + duration.toNanos();
        long started = System.nanoTime();
        long done = 0;
        long sink = 0;
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < 100; i++) {
                byte[] json = MAPPER.writeValueAsBytes(POST);
                JsonNode parsed = MAPPER.readTree(json);
                // Used, so that the JIT cannot drop the work.
                sink += parsed.get("likes").asLong();
            }
            done += 100;
        }
        if (sink != done * 3) {
            throw new IllegalStateException("the calibration's JSON did not round-trip");
        }
        return done * 1e9 / (System.nanoTime() - started);
    }

    private static double fsyncMicros(Path directory) throws IOException {
        Files.createDirectories(directory);
        Path file = Files.createTempFile(directory, "fsync-calibration", ".bin");
        double[] micros = new double[FSYNCS];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer block = ByteBuffer.allocate(4096);
            for (int i = 0; i < FSYNCS; i++) {
                block.clear();
                long started = System.nanoTime();
                channel.write(block);
                channel.force(false);
                micros[i] = (System.nanoTime() - started) / 1_000.0;
            }
        }
        finally {
            Files.deleteIfExists(file);
        }
        return median(micros);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

}
