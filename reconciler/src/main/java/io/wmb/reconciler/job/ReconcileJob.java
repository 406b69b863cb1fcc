package io.wmb.reconciler.job;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import io.wmb.processinglog.ElasticsearchProcessingLog;
import io.wmb.processinglog.ProcessingLog;
import io.wmb.processinglog.ProcessingLogReader;
import io.wmb.processinglog.WriterWatermark;
import io.wmb.reconciler.config.ReconcilerProperties;
import io.wmb.reconciler.deadletter.DeadLetter;
import io.wmb.reconciler.deadletter.DeadLetterRepository;
import io.wmb.reconciler.lease.LeaseRepository;
import io.wmb.reconciler.lease.LeaseRepository.HeldLease;
import io.wmb.reconciler.redrive.RedriveFailedException;
import io.wmb.reconciler.redrive.RedriveResult;
import io.wmb.reconciler.redrive.Redriver;
import io.wmb.reconciler.scan.ProcessingLogScanner;
import io.wmb.reconciler.scan.ScanResult;
import io.wmb.reconciler.scan.ScanWindow;
import io.wmb.reconciler.scan.Verdict;
import io.wmb.reconciler.scan.WindowEnd;
import io.wmb.reconciler.scan.WindowPlanner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import org.springframework.scheduling.annotation.Scheduled;

/**
 * The scheduled scan. Only the lease holder acts: it scans the window {@code [watermark, now - grace)}, re-drives
 * each incomplete request (bounded retries, then the dead-letter list), moves the watermark with the lease, and
 * prunes processing-log indices past the retention. When a processor cannot be reached at all (a cut link), the
 * scan stops without moving the watermark, so the same window is scanned again instead of filling the dead-letter
 * list with requests that only wait for the link.
 *
 * <p>The window ends earlier while a live processing-log writer still holds records from before its end (queued,
 * or spilled while Elasticsearch is behind): such records are late, not missing, and re-driving their requests
 * would only add load to an overloaded system. {@link WindowPlanner} decides; the status and the gauge
 * {@code wmb.reconciler.flush.lag} show which writer held the window back, and by how much.
 */
public class ReconcileJob {

    private static final Logger logger = LoggerFactory.getLogger(ReconcileJob.class);

    private final ReconcilerProperties.Scan settings;

    private final LeaseRepository leases;

    private final Duration leaseDuration;

    private final ProcessingLogScanner scanner;

    private final ProcessingLogReader writers;

    private final WindowPlanner planner;

    private final Redriver redriver;

    private final DeadLetterRepository deadLetters;

    private final ProcessingLog processingLog;

    private final ProcessingLogRetention retention;

    private final ReconcilerMetrics metrics;

    private final Clock clock;

    private final AtomicReference<ReconcileStatus> status;

    /** Whether the last run ended before its planned end (max-requests) and moved the watermark there. */
    private volatile boolean cutShort;

    /**
     * How long the last window cut short was, or null. The next run tries twice that rather than max-window: each
     * halving costs a pass over the window's records, and a backlog is usually as dense a minute later.
     */
    private volatile Duration shortWindow;

    /**
     * A job.
     * @param datacenter where this instance runs
     * @param settings the scan settings
     * @param leases the lease
     * @param leaseDuration how long a lease lasts, to know when to renew it during a long scan
     * @param scanner finds incomplete requests
     * @param writers reads the processing-log writers' flush watermarks
     * @param redriver re-drives them
     * @param deadLetters where failed re-drives go
     * @param processingLog where {@code RECONCILED} records go; flushed before the watermark moves
     * @param retention prunes old processing-log indices
     * @param metrics the meters
     * @param clock the time
     */
    public ReconcileJob(String datacenter, ReconcilerProperties.Scan settings, LeaseRepository leases,
            Duration leaseDuration, ProcessingLogScanner scanner, ProcessingLogReader writers, Redriver redriver,
            DeadLetterRepository deadLetters, ProcessingLog processingLog, ProcessingLogRetention retention,
            ReconcilerMetrics metrics, Clock clock) {
        this.settings = settings;
        this.leases = leases;
        this.leaseDuration = leaseDuration;
        this.scanner = scanner;
        this.writers = writers;
        this.planner = new WindowPlanner(settings.grace(), settings.maxWindow(), settings.writerStaleAfter(),
                settings.maxFlushWait());
        this.redriver = redriver;
        this.deadLetters = deadLetters;
        this.processingLog = processingLog;
        this.retention = retention;
        this.metrics = metrics;
        this.clock = clock;
        this.status = new AtomicReference<>(ReconcileStatus.initial(datacenter, leases.instanceId(), settings.grace()));
    }

    /**
     * The schedule's entry: every {@code wmb.reconciler.scan.interval} (one minute by default), the first one
     * shortly after start so that a restarted instance catches up at once.
     */
    @Scheduled(fixedDelayString = "${wmb.reconciler.scan.interval:1m}", initialDelayString = "10s")
    public void scheduled() {
        if (!this.settings.enabled()) {
            return;
        }
        try {
            // A window cut short is followed by the rest at once: a backlog of repairs is worked off as fast as the
            // re-drives go, not one short window per interval. Each run moves the watermark, so this ends.
            do {
                runOnce();
            }
            while (this.cutShort);
        }
        catch (RuntimeException ex) {
            logger.warn("Reconcile scan failed: {}", ex.toString(), ex);
        }
    }

    /** What the last run did. */
    public ReconcileStatus status() {
        return this.status.get();
    }

    /**
     * One run: take or renew the lease, and if held, scan one window and repair what it finds.
     * @return the status after the run
     */
    public synchronized ReconcileStatus runOnce() {
        this.cutShort = false;
        ReconcileStatus previous = this.status.get();
        Instant now = this.clock.instant();
        Optional<HeldLease> held;
        try {
            held = this.leases.acquire();
        }
        catch (IOException | RuntimeException ex) {
            return update(withError(previous, false, "lease unavailable: " + ex.getMessage()));
        }
        this.metrics.leader(held.isPresent());
        if (held.isEmpty()) {
            return update(withError(previous, false, null));
        }
        HeldLease lease = held.get();
        Instant from = (lease.lease().watermark() != null) ? lease.lease().watermark()
                : now.minus(this.settings.initialLookback());
        WindowEnd end = windowEnd(from, now);
        Instant planned = end.to();
        if (!planned.isAfter(from)) {
            return update(withFlush(withError(previous, true, null), end));
        }
        Duration recent = this.shortWindow;
        Instant to = (recent != null && from.plus(recent.multipliedBy(2)).isBefore(planned))
                ? from.plus(recent.multipliedBy(2)) : planned;
        this.shortWindow = null;
        ScanWindow window = new ScanWindow(from, to);
        ScanResult result;
        try {
            result = this.scanner.scan(window);
        }
        catch (IOException | RuntimeException ex) {
            logger.warn("Scan of {} failed: {}", window, ex.toString());
            return update(withError(previous, true, "scan failed: " + ex.getMessage()));
        }
        if (result.window().to().isBefore(to)) {
            logger.info("More than {} requests of [{}, {}) may be incomplete (scan.max-requests): scanned [{}, {}) "
                    + "first", this.settings.maxRequests(), from, to, from, result.window().to());
            to = result.window().to();
        }
        boolean shortened = to.isBefore(planned);
        this.metrics.scanned(result.scannedRecords(), result.incomplete().size(), result.took());
        logger.info("Scanned [{}, {}): {} records, {} of {} buckets suspicious, {} requests examined, {} incomplete"
                + " ({} ms)", from, to, result.scannedRecords(), result.suspiciousBuckets(), result.buckets(),
                result.examinedRequests(), result.incomplete().size(), result.took().toMillis());

        long redriven = 0;
        long repaired = 0;
        long deadLettered = 0;
        long closedAsFailed = 0;
        String error = null;
        boolean lost = false;
        for (Verdict verdict : result.incomplete()) {
            HeldLease kept = keep(lease);
            if (kept == null) {
                lost = true;
                error = "lease lost during the scan; the new holder continues";
                break;
            }
            lease = kept;
            MDC.put("requestId", verdict.requestId());
            try {
                redriven++;
                this.metrics.redriven();
                RedriveResult redrive = this.redriver.redriveWithRetries(verdict);
                if (redrive.closedAsFailed()) {
                    closedAsFailed++;
                    this.metrics.closedAsFailed();
                }
                else {
                    repaired++;
                    this.metrics.repaired(Duration.between(verdict.firstAt(), this.clock.instant()));
                    logger.debug("Repaired {}", redrive);
                }
            }
            catch (RedriveFailedException ex) {
                if (ex.unreachable()) {
                    error = "stopped: " + ex.getMessage();
                    logger.warn("Stopping the scan, the window will be scanned again: {}", ex.getMessage());
                    break;
                }
                deadLettered += deadLetter(ex);
            }
            finally {
                MDC.remove("requestId");
            }
        }
        if (deadLettered > 0) {
            refreshDeadLettersQuietly();
        }
        if (this.processingLog instanceof ElasticsearchProcessingLog log) {
            // RECONCILED records must be stored before the window is closed, or the next scan would see old gaps.
            log.flush();
        }
        // A finished window moves the watermark to its end; a stopped one pins its start, so that the next run
        // scans the same window again even when no watermark had been stored before.
        Instant target = (error == null) ? to : from;
        Instant watermark = lease.lease().watermark();
        if (!lost) {
            try {
                Optional<HeldLease> advanced = this.leases.advance(lease, target);
                if (advanced.isPresent()) {
                    watermark = target;
                }
                else if (error == null) {
                    error = "lease lost before the watermark moved";
                }
            }
            catch (IOException | RuntimeException ex) {
                error = (error != null) ? error : "watermark not stored: " + ex.getMessage();
            }
        }
        if (watermark != null) {
            this.metrics.watermark(watermark);
        }
        if (error == null) {
            pruneQuietly();
            this.cutShort = shortened;
            this.shortWindow = shortened ? Duration.between(from, to) : null;
        }
        return update(withFlush(new ReconcileStatus(previous.datacenter(), previous.instanceId(), true, now, from, to,
                watermark, result.scannedRecords(), result.incomplete().size(), redriven, repaired, deadLettered,
                closedAsFailed, result.took().toMillis(), error, null, 0, previous.graceMillis()), end));
    }

    /** Reads the writers' flush watermarks and plans the window's end; without them, it ends at now - grace. */
    private WindowEnd windowEnd(Instant from, Instant now) {
        List<WriterWatermark> watermarks;
        try {
            watermarks = this.writers.writers();
            if (watermarks.isEmpty()) {
                logger.debug("No processing-log writer publishes a flush watermark; the window ends at now - grace");
            }
        }
        catch (RuntimeException ex) {
            logger.warn("Cannot read the processing-log writers' flush watermarks, the window ends at now - grace: {}",
                    ex.toString());
            watermarks = List.of();
        }
        WindowEnd end = this.planner.plan(from, now, watermarks);
        this.metrics.flushLag(end.flushLag());
        for (WriterWatermark overdue : end.overdue()) {
            logger.warn("Processing-log writer {} still holds records from {} ({} ago, more than max-flush-wait {}): "
                    + "the window goes on without it, and its late records may be re-driven needlessly",
                    overdue.writer(), overdue.flushedBefore(), Duration.between(overdue.flushedBefore(), now),
                    this.settings.maxFlushWait());
        }
        WriterWatermark heldBackBy = end.heldBackBy();
        if (heldBackBy != null && end.flushLag().compareTo(this.settings.grace()) > 0) {
            logger.info("Window ends at {}: processing-log writer {} still holds records from {} ({} ago)", end.to(),
                    heldBackBy.writer(), heldBackBy.flushedBefore(), end.flushLag());
        }
        return end;
    }

    /** Renews the lease when less than half of it is left; {@code null} when it was lost. */
    private HeldLease keep(HeldLease lease) {
        Duration left = Duration.between(this.clock.instant(), lease.lease().expiresAt());
        if (left.compareTo(this.leaseDuration.dividedBy(2)) > 0) {
            return lease;
        }
        try {
            return this.leases.renew(lease).orElse(null);
        }
        catch (IOException | RuntimeException ex) {
            logger.warn("Cannot renew the lease: {}", ex.toString());
            return lease.lease().runsAt(this.clock.instant()) ? lease : null;
        }
    }

    private int deadLetter(RedriveFailedException ex) {
        Verdict verdict = ex.verdict();
        logger.warn("Dead-lettering {}: {}", verdict.requestId(), ex.getMessage());
        try {
            this.deadLetters.saveUnrefreshed(new DeadLetter(verdict.requestId(), verdict.origin(), verdict.postId(),
                    verdict.version(), verdict.firstAt(), verdict.localDone(), verdict.remoteDone(),
                    ex.getCause().getMessage(), ex.attempts(), this.clock.instant()));
            this.metrics.deadLettered();
            return 1;
        }
        catch (IOException | RuntimeException storeFailure) {
            logger.error("Cannot store dead letter {}: {}", verdict.requestId(), storeFailure.toString());
            return 0;
        }
    }

    /** So that an operator who lists the dead letters after the run sees its entries. */
    private void refreshDeadLettersQuietly() {
        try {
            this.deadLetters.refresh();
        }
        catch (IOException | RuntimeException ex) {
            logger.warn("Cannot refresh the dead-letter list (its new entries show within a second): {}",
                    ex.toString());
        }
    }

    private void pruneQuietly() {
        try {
            this.retention.prune();
        }
        catch (IOException | RuntimeException ex) {
            logger.warn("Cannot prune old processing-log indices: {}", ex.toString());
        }
    }

    private ReconcileStatus update(ReconcileStatus next) {
        this.status.set(next);
        return next;
    }

    private static ReconcileStatus withError(ReconcileStatus status, boolean leader, String error) {
        return new ReconcileStatus(status.datacenter(), status.instanceId(), leader, status.lastScanAt(),
                status.windowFrom(), status.windowTo(), status.watermark(), status.scanned(),
                status.incompleteFound(), status.redriven(), status.repaired(), status.deadLettered(),
                status.closedAsFailed(), status.scanMillis(), error, status.heldBackBy(), status.flushLagMillis(),
                status.graceMillis());
    }

    private static ReconcileStatus withFlush(ReconcileStatus status, WindowEnd end) {
        return new ReconcileStatus(status.datacenter(), status.instanceId(), status.leader(), status.lastScanAt(),
                status.windowFrom(), status.windowTo(), status.watermark(), status.scanned(),
                status.incompleteFound(), status.redriven(), status.repaired(), status.deadLettered(),
                status.closedAsFailed(), status.scanMillis(), status.lastError(),
                (end.heldBackBy() != null) ? end.heldBackBy().writer() : null, end.flushLag().toMillis(),
                status.graceMillis());
    }

}
