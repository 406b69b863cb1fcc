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
 * A CPU profile of a running JVM, summarised: the hottest top frames, the libraries they are in, the threads, and per
 * sample the first frame of a chosen package prefix, which says which of our own code paths the CPU time is under.
 * Read from async-profiler's collapsed stacks ({@link AsyncProfiler}: Java, native and kernel frames) or, where
 * async-profiler has no library for the platform, from a JFR recording ({@code jcmd <pid> JFR.start}, Java frames
 * only).
 */
public final class ProfileSummary {

    private final Map<String, Integer> topFrames;

    private final Map<String, Integer> ownFrames;

    private final Map<String, Integer> threads;

    private final Map<String, Integer> packages;

    private final int samples;

    private ProfileSummary(Map<String, Integer> topFrames, Map<String, Integer> ownFrames, Map<String, Integer> threads,
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
    public static ProfileSummary parseJfr(String printed, String ownPrefix) {
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
        return new ProfileSummary(top, own, threads, packages, samples);
    }

    /**
     * Parses async-profiler's collapsed stacks recorded with its {@code threads} option: one line per distinct stack,
     * {@code [thread tid=N];root;...;leaf count}.
     * @param collapsed the file's text
     * @param ownPrefix e.g. {@code io.wmb.}: frames of this prefix are "own" frames
     * @return the counts
     */
    public static ProfileSummary parseCollapsed(String collapsed, String ownPrefix) {
        Map<String, Integer> top = new HashMap<>();
        Map<String, Integer> own = new HashMap<>();
        Map<String, Integer> threads = new HashMap<>();
        Map<String, Integer> packages = new HashMap<>();
        int samples = 0;
        for (String line : collapsed.split("\n")) {
            int space = line.lastIndexOf(' ');
            if (space < 0) {
                continue;
            }
            int count = Integer.parseInt(line.substring(space + 1).trim());
            List<String> frames = new ArrayList<>(Arrays.asList(line.substring(0, space).split(";")));
            String thread = "";
            if (!frames.isEmpty() && frames.get(0).startsWith("[") && frames.get(0).contains(" tid=")) {
                String named = frames.remove(0);
                thread = named.substring(1, named.indexOf(" tid=")).replaceAll("-?\\d+$", "");
                threads.merge(thread, count, Integer::sum);
            }
            if (frames.isEmpty()) {
                continue;
            }
            samples += count;
            String leaf = collapsedFrame(frames.get(frames.size() - 1));
            top.merge(leaf, count, Integer::sum);
            // HotSpot's compiler threads run C++ (PhaseIdealLoop::..., Compile::...): name them for what they do.
            packages.merge(thread.contains("CompilerThre") ? "(JIT compiler)" : libraryOf(leaf), count,
                    Integer::sum);
            for (int i = frames.size() - 1; i >= 0; i--) {
                String frame = collapsedFrame(frames.get(i));
                if (frame.startsWith(ownPrefix)) {
                    own.merge(frame, count, Integer::sum);
                    break;
                }
            }
        }
        return new ProfileSummary(top, own, threads, packages, samples);
    }

    /** A collapsed frame as JFR names it: dots in Java frames, a native library's file name without its digits. */
    private static String collapsedFrame(String frame) {
        if (frame.startsWith("/")) {
            return frame.substring(frame.lastIndexOf('/') + 1).replaceAll("\\d+", "");
        }
        boolean java = frame.contains("/") && !frame.contains("::") && !frame.contains(" ");
        return java ? frame.replace('/', '.') : frame;
    }

    /** Where a top frame's CPU goes: a Java package (see {@link #packageOf}), a native library, or the kernel. */
    private static String libraryOf(String frame) {
        if (frame.endsWith("_[k]")) {
            return "(kernel)";
        }
        if (frame.contains("::")) {
            return "(native) " + frame.substring(0, frame.indexOf("::"));
        }
        if (frame.endsWith(".so")) {
            return "(native) " + frame;
        }
        return (!frame.contains(".") || frame.contains(" ")) ? "(native) libc, JVM" : packageOf(frame);
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
     * @param ownPrefix see {@link #parseJfr}
     * @return the summary
     */
    public static ProfileSummary recordJfr(long pid, int seconds, Path file, String ownPrefix)
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
        return parseJfr(run(List.of(tool("jfr"), "print", "--events", "jdk.ExecutionSample", "--stack-depth", "64",
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

    static String tool(String name) {
        Path inJdk = Path.of(System.getProperty("java.home"), "bin", name);
        return inJdk.toFile().canExecute() ? inJdk.toString() : name;
    }

    static String run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        process.waitFor();
        return new String(output, StandardCharsets.UTF_8);
    }
}
