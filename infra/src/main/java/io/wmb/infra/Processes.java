package io.wmb.infra;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** Stopping and finding operating-system processes that this JVM started. */
public final class Processes {

    /** Passes of {@link #setPriority}; each catches the threads started by ones the pass before had missed. */
    private static final int MAX_RENICE_PASSES = 5;

    private Processes() {
    }

    /**
     * Waits for {@code process} to exit, then kills it (and its children) if it did not.
     * @return whether it exited by itself
     */
    public static boolean awaitExit(ProcessHandle process, Duration timeout) {
        try {
            process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        }
        catch (Exception ex) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            return false;
        }
    }

    /** Asks {@code process} to stop (SIGTERM), waits up to {@code timeout}, then kills it and its children. */
    public static boolean terminate(ProcessHandle process, Duration timeout) {
        if (!process.isAlive()) {
            return true;
        }
        process.destroy();
        return awaitExit(process, timeout);
    }

    /** Whether this JVM runs as root (servers then drop privileges or are told to run as root explicitly). */
    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /**
     * Sets the scheduling priority of every thread of {@code process} and of its descendants. On Linux a priority
     * belongs to each thread, so each one of {@code /proc/<pid>/task} is reniced; a thread started later inherits
     * the priority of the thread that starts it. A thread started by one not yet reniced therefore slips through
     * a single pass (seen in CI: one of 63 Elasticsearch threads left at -10), so passes repeat until one finds
     * every thread at {@code nice}. Anyone may lower a priority (raise {@code nice}); only root may raise one.
     * @param process the process
     * @param nice the niceness, from -20 (first) to 19 (last); 0 is the normal priority
     * @return whether every thread was found at {@code nice} within a few passes; a process that ended meanwhile
     *     is simply skipped
     */
    public static boolean setPriority(ProcessHandle process, int nice) {
        for (int pass = 0; pass < MAX_RENICE_PASSES; pass++) {
            List<String> others = threadsNotAt(process, nice);
            if (others.isEmpty()) {
                return true;
            }
            if (!renice(others, nice)) {
                return false;
            }
        }
        return threadsNotAt(process, nice).isEmpty();
    }

    /** The ids of the threads of {@code process} and its descendants whose niceness is not {@code nice}. */
    private static List<String> threadsNotAt(ProcessHandle process, int nice) {
        List<String> others = new ArrayList<>();
        Stream.concat(Stream.of(process), process.descendants()).forEach((handle) -> {
            try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(handle.pid()), "task"))) {
                tasks.filter((task) -> niceness(task).orElse(nice) != nice)
                    .forEach((task) -> others.add(task.getFileName().toString()));
            }
            catch (IOException ex) {
                // The process ended meanwhile: it has no threads left to renice.
            }
        });
        return others;
    }

    /** A thread's niceness, field 19 of {@code /proc/<pid>/task/<tid>/stat}; empty if the thread ended. */
    private static Optional<Integer> niceness(Path task) {
        try {
            String stat = Files.readString(task.resolve("stat"));
            // The fields after the command name (in parentheses, which may hold spaces) start at field 3.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Optional.of(Integer.parseInt(fields[19 - 3]));
        }
        catch (IOException ex) {
            return Optional.empty();
        }
    }

    private static boolean renice(List<String> threads, int nice) {
        List<String> command = new ArrayList<>(List.of("renice", "-n", Integer.toString(nice), "-p"));
        command.addAll(threads);
        try {
            Process renice = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
            // A thread that ended between listing and renicing makes renice fail; the next pass tells.
            return renice.waitFor(10, TimeUnit.SECONDS);
        }
        catch (IOException ex) {
            return false;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The first descendant of this JVM whose command line matches. */
    public static Optional<ProcessHandle> findDescendant(Predicate<String> commandLine) {
        return ProcessHandle.current().descendants()
            .filter((process) -> commandLine.test(commandLine(process)))
            .findFirst();
    }

    /**
     * The process's current command line, spaces between the arguments. Read from {@code /proc} rather than
     * {@link ProcessHandle.Info}, which gives up on processes that rewrite their title (Redis does).
     */
    public static String commandLine(ProcessHandle process) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').trim();
        }
        catch (IOException ex) {
            return process.info().commandLine().orElse("");
        }
    }
}
