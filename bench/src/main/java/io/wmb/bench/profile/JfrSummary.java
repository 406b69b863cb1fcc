package io.wmb.bench.profile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Records a JFR profile of a running JVM ({@code jcmd <pid> JFR.start}) and summarises its execution samples
 * ({@code jfr print --events jdk.ExecutionSample}): the hottest top frames, and per sample the first frame of a
 * chosen package prefix, which says which of our own code paths the CPU time is under.
 */
public final class JfrSummary {

    private final Map<String, Integer> topFrames;

    private final Map<String, Integer> ownFrames;

    private final Map<String, Integer> threads;

    private final Map<String, Integer> packages;

    private final int samples;

    private JfrSummary(Map<String, Integer> topFrames, Map<String, Integer> ownFrames, Map<String, Integer> threads,
            Map<String, Integer> packages, int samples) {
        this.topFrames = topFrames;
        this.ownFrames = ownFrames;
        this.threads = threads;
        this.packages = packages;
        this.samples = samples;
    }

    /**
     * Parses the text of {@code jfr print --events jdk.ExecutionSample --stack-depth N}.
     * @param printed the tool's output
     * @param ownPrefix e.g. {@code io.wmb.}: frames of this prefix are "own" frames
     * @return the counts
     */
    public static JfrSummary parse(String printed, String ownPrefix) {
        Map<String, Integer> top = new HashMap<>();
        Map<String, Integer> own = new HashMap<>();
        Map<String, Integer> threads = new HashMap<>();
        Map<String, Integer> packages = new HashMap<>();
        int samples = 0;
        boolean inStack = false;
        boolean sawTop = false;
        boolean sawOwn = false;
        for (String raw : printed.split("\n")) {
            String line = raw.trim();
            if (line.startsWith("jdk.ExecutionSample")) {
                samples++;
                inStack = false;
            }
            else if (line.startsWith("sampledThread = ")) {
                String thread = line.substring("sampledThread = ".length()).replaceAll(" \\(javaThreadId.*", "")
                    .replace("\"", "").replaceAll("-?\\d+$", "");
                threads.merge(thread, 1, Integer::sum);
            }
            else if (line.startsWith("stackTrace = [")) {
                inStack = true;
                sawTop = false;
                sawOwn = false;
            }
            else if (inStack && line.startsWith("]")) {
                inStack = false;
            }
            else if (inStack && !line.isEmpty() && !"...".equals(line)) {
                String frame = line.replaceAll("\\s+line:.*$", "");
                if (!sawTop) {
                    top.merge(frame, 1, Integer::sum);
                    packages.merge(packageOf(frame), 1, Integer::sum);
                    sawTop = true;
                }
                if (!sawOwn && frame.startsWith(ownPrefix)) {
                    own.merge(frame, 1, Integer::sum);
                    sawOwn = true;
                }
            }
        }
        return new JfrSummary(top, own, threads, packages, samples);
    }

    /** The first three segments of a frame's package: {@code io.netty.handler}, {@code java.lang.String}. */
    private static String packageOf(String frame) {
        String method = frame.contains("(") ? frame.substring(0, frame.indexOf('(')) : frame;
        String[] parts = method.split("\\.");
        return String.join(".", Arrays.copyOf(parts, Math.min(3, Math.max(1, parts.length - 2))));
    }

    /**
     * Profiles a JVM for {@code seconds} and summarises it. Runs {@code jcmd} and {@code jfr} of this JVM's JDK.
     * @param pid the JVM
     * @param seconds how long to record
     * @param file where the recording goes
     * @param ownPrefix see {@link #parse}
     * @return the summary
     */
    public static JfrSummary record(long pid, int seconds, Path file, String ownPrefix)
            throws IOException, InterruptedException {
        run(List.of(tool("jcmd"), Long.toString(pid), "JFR.start", "name=wmb-bench", "settings=profile",
                "duration=" + seconds + "s", "filename=" + file.toAbsolutePath()));
        // JFR writes the file when the recording ends; wait a little past its duration.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds + 30);
        while (System.nanoTime() < deadline) {
            Thread.sleep(500);
            if (file.toFile().length() > 0 && !run(List.of(tool("jcmd"), Long.toString(pid), "JFR.check"))
                .contains("wmb-bench")) {
                break;
            }
        }
        return parse(run(List.of(tool("jfr"), "print", "--events", "jdk.ExecutionSample", "--stack-depth", "64",
                file.toAbsolutePath().toString())), ownPrefix);
    }

    /** Execution samples in the recording. */
    public int samples() {
        return this.samples;
    }

    /** The {@code n} most frequent top frames with their share of samples. */
    public List<Map.Entry<String, Integer>> topFrames(int n) {
        return top(this.topFrames, n);
    }

    /** The {@code n} most frequent first own frames (see {@link #parse}). */
    public List<Map.Entry<String, Integer>> ownFrames(int n) {
        return top(this.ownFrames, n);
    }

    /** Top frames grouped by package (three segments): which library the CPU is in. */
    public List<Map.Entry<String, Integer>> packages(int n) {
        return top(this.packages, n);
    }

    /** Samples per thread name (numbers at the end stripped, so pools group). */
    public List<Map.Entry<String, Integer>> threads(int n) {
        return top(this.threads, n);
    }

    private static List<Map.Entry<String, Integer>> top(Map<String, Integer> counts, int n) {
        Map<String, Integer> sorted = new LinkedHashMap<>();
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder()))
            .limit(n).forEach((entry) -> sorted.put(entry.getKey(), entry.getValue()));
        return new ArrayList<>(sorted.entrySet());
    }

    private static String tool(String name) {
        Path inJdk = Path.of(System.getProperty("java.home"), "bin", name);
        return inJdk.toFile().canExecute() ? inJdk.toString() : name;
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        process.waitFor();
        return new String(output, StandardCharsets.UTF_8);
    }
}
