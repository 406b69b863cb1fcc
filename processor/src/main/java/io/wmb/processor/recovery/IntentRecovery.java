package io.wmb.processor.recovery;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.wmb.processor.post.PostService;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;

/**
 * Finishes local writes that a stopped processor left part-way, and clears finished intents. Runs at start-up (the
 * usual case: the processor was killed) and then every {@code interval}, for intents older than {@code grace} so that
 * writes still under way in this or another processor of the datacenter are left to finish on their own (finishing
 * them too would be harmless, only wasted work). When reship answers again after an outage, a pass runs at once and
 * another a grace period later (for the writes that failed just before it came back), rather than at the next
 * interval: every write of the outage waits for them.
 */
public class IntentRecovery implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(IntentRecovery.class);

    /** Most intents read and finished at a time. */
    private static final int BATCH = 500;

    private static final long FLUSH_INTERVAL_MS = 200;

    private final WriteIntents intents;

    private final PostService posts;

    private final Duration interval;

    private final Duration grace;

    private final AtomicBoolean passRequested = new AtomicBoolean();

    private ScheduledExecutorService scheduler;

    /**
     * Creates the recovery.
     * @param intents the writes under way
     * @param posts finishes a write
     * @param interval how often to look for unfinished writes
     * @param grace how old an intent must be to count as unfinished
     */
    public IntentRecovery(WriteIntents intents, PostService posts, Duration interval, Duration grace) {
        this.intents = intents;
        this.posts = posts;
        this.interval = interval;
        this.grace = grace;
    }

    /**
     * Finishes the unfinished writes older than the grace period, a batch at a time. A full batch means more may
     * wait (reship away for a minute under load leaves thousands), so the next follows at once rather than an
     * interval later, as long as the last one finished something (while reship is still away, it finishes none).
     * @param age how old an intent must be
     * @return how many writes were finished
     */
    public int recover(Duration age) {
        int finished = 0;
        while (true) {
            intents.flush();
            List<WriteIntent> unfinished = intents.olderThan(age, BATCH);
            int finishedNow = unfinished.isEmpty() ? 0 : posts.finishInterrupted(unfinished);
            intents.flush();
            if (!unfinished.isEmpty()) {
                log.info("Finished {} of {} interrupted writes", finishedNow, unfinished.size());
            }
            finished += finishedNow;
            if (unfinished.size() < BATCH || finishedNow == 0) {
                return finished;
            }
        }
    }

    /**
     * Asks for passes now and a grace period from now, as when reship is back after an outage. A request made while
     * the first is still waiting to run adds nothing.
     */
    public synchronized void requestPass() {
        if (scheduler == null || !passRequested.compareAndSet(false, true)) {
            return;
        }
        scheduler.execute(() -> {
            passRequested.set(false);
            recoverQuietly();
        });
        scheduler.schedule(this::recoverQuietly, grace.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void recoverQuietly() {
        try {
            recover(grace);
        }
        catch (RuntimeException ex) {
            // Redis or MySQL away: the intents stay, the next pass tries again.
            log.warn("Could not finish interrupted writes: {}", ex.toString());
        }
    }

    private void flushQuietly() {
        try {
            intents.flush();
        }
        catch (RuntimeException ex) {
            log.warn("Could not clear finished write intents: {}", ex.toString());
        }
    }

    @Override
    public synchronized void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "write-intent-recovery");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(this::flushQuietly, FLUSH_INTERVAL_MS, FLUSH_INTERVAL_MS,
                TimeUnit.MILLISECONDS);
        // The first pass soon after start-up finishes what a killed predecessor left.
        scheduler.scheduleWithFixedDelay(this::recoverQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
        flushQuietly();
    }

    @Override
    public synchronized boolean isRunning() {
        return scheduler != null;
    }

    @Override
    public int getPhase() {
        // After the web server and gRPC server have started (they need the reship channel this uses).
        return Integer.MAX_VALUE - 100;
    }

}
