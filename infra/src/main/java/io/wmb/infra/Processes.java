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
     * belongs to each thread, so each one of {@code /proc/<pid>/task} is reniced; threads started later inherit
     * the priority of the thread that starts them. Anyone may lower a priority (raise {@code nice}); only root may
     * raise one.
     * @param process the process
     * @param nice the niceness, from -20 (first) to 19 (last); 0 is the normal priority
     * @return whether {@code renice} ran and succeeded; a process that ended meanwhile is simply skipped
     */
    public static boolean setPriority(ProcessHandle process, int nice) {
        List<String> command = new ArrayList<>(List.of("renice", "-n", Integer.toString(nice), "-p"));
        Stream.concat(Stream.of(process), process.descendants()).forEach((handle) -> {
            try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(handle.pid()), "task"))) {
                tasks.forEach((task) -> command.add(task.getFileName().toString()));
            }
            catch (IOException ex) {
                // The process ended meanwhile: it has no threads left to renice.
                return;
            }
        });
        try {
            Process renice = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
            return renice.waitFor(10, TimeUnit.SECONDS) && renice.exitValue() == 0;
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
