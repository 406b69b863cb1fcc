package io.wmb.bench.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time of processes from {@code /proc/<pid>/stat} (user + system), to see which service a run's CPU went to:
 * on two shared cores, the service that burns most CPU per request is what bounds throughput.
 */
public final class CpuMeter {

    /** Linux reports times in clock ticks of 1/100 s (USER_HZ) on every common architecture. */
    private static final double TICKS_PER_SECOND = 100.0;

    /** The name under which {@link #coresUsed} reports the whole machine. */
    public static final String MACHINE = "machine (all processes)";

    private final Map<String, Long> pids;

    private final long[] machineStarted;

    private final Map<String, Double> started = new LinkedHashMap<>();

    private final double startedWall;

    /**
     * Starts measuring.
     * @param pids process per name
     */
    public CpuMeter(Map<String, Long> pids) {
        this.pids = pids;
        this.pids.forEach((name, pid) -> this.started.put(name, cpuSeconds(pid)));
        this.startedWall = System.nanoTime() / 1e9;
        this.machineStarted = machineTicks();
    }

    /** CPU seconds used per wall second since the start, per name (1.0 = one core busy). */
    public Map<String, Double> coresUsed() {
        double wall = System.nanoTime() / 1e9 - this.startedWall;
        Map<String, Double> cores = new LinkedHashMap<>();
        this.pids.forEach((name, pid) -> {
            double now = cpuSeconds(pid);
            double before = this.started.getOrDefault(name, Double.NaN);
            cores.put(name, (now - before) / wall);
        });
        long[] machine = machineTicks();
        long total = machine[0] - this.machineStarted[0];
        long busy = machine[1] - this.machineStarted[1];
        cores.put(MACHINE, (total > 0) ? Runtime.getRuntime().availableProcessors() * (double) busy / total
                : Double.NaN);
        return cores;
    }

    /** Total and busy (not idle, not waiting for I/O) ticks of all CPUs, from the first line of /proc/stat. */
    static long[] machineTicks() {
        try {
            String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] fields = cpu.trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < fields.length; i++) {
                total += Long.parseLong(fields[i]);
            }
            long idle = Long.parseLong(fields[4]) + Long.parseLong(fields[5]);
            return new long[] { total, total - idle };
        }
        catch (IOException | RuntimeException ex) {
            return new long[] { 0, 0 };
        }
    }

    /** User plus system CPU seconds of a process, NaN if it is gone. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
            List<String> fields = List.of(stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+"));
            return (Long.parseLong(fields.get(11)) + Long.parseLong(fields.get(12))) / TICKS_PER_SECOND;
        }
        catch (IOException | RuntimeException ex) {
            return Double.NaN;
        }
    }
}
