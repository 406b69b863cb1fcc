package io.wmb.processinglog;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.HealthStatus;
import co.elastic.clients.elasticsearch.cluster.HealthResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Writes the processing log to Elasticsearch, batched and asynchronously, and never loses a record it
 * accepted.
 *
 * <p>{@link #record} only puts the record in a bounded in-memory queue; one sender thread sends batches of up
 * to {@code maxBatch} records with the bulk API, at the latest {@code flushInterval} after the first record
 * of the batch arrived. Whatever Elasticsearch cannot take (it is down or cut off, it answers 429 or 5xx)
 * goes to an append-only spill file on local disk, forced to disk per batch; so does a record that finds the
 * queue full, so that a caller is never blocked by Elasticsearch and memory stays bounded. A re-sender checks
 * every {@code flushInterval} whether Elasticsearch is back (cluster health, not {@code GET /}, which the
 * minimal distribution lacks), re-sends the spilled segments and deletes each one once it is fully sent.
 * Spill files left by an earlier run are re-sent the same way after a restart.
 *
 * <p>A record is indexed under {@link ProcessingRecord#documentId()} with its {@code at} as external version
 * ({@code external_gte}): a retried stage overwrites itself, and a late re-send of an older spilled record
 * cannot overwrite a newer record of the same stage (Elasticsearch answers 409, which counts as done).
 *
 * <p>Every {@code watermarkInterval} a publisher indexes this writer's {@link WriterWatermark} into
 * {@link ProcessingLogIndices#WRITERS} (document id {@link WriterId#id()}): {@code flushedBefore} is the
 * timestamp of the oldest record it still holds (queued, in a batch or a bulk request in flight, or spilled and
 * not yet re-sent), or the time of publishing when it holds none. A record counts as held from {@link #record}
 * until its bulk request answered and whatever was not indexed is on disk; a spilled record until its segment
 * was re-sent and deleted. The reconciler does not scan past that point, so a late record is not taken for a
 * missing stage. Publishing is best effort: a failure is logged and tried again next time, and never touches
 * the records. Callers stamp a record's {@code at} just before {@link #record}; a record stamped before a
 * publication but handed over after it is not covered, which the reconciler's grace period absorbs.
 *
 * <p>Metrics: counters {@code wmb.processinglog.records.accepted}, {@code .sent}, {@code .spilled},
 * {@code .resent}, {@code .rejected} (refused for good, kept in {@code rejected.jsonl}) and {@code .lost}
 * (the local disk refused the spill), gauges {@code wmb.processinglog.queue.depth},
 * {@code wmb.processinglog.spill.bytes}, {@code wmb.processinglog.online} and
 * {@code wmb.processinglog.flush.lag} (seconds from the oldest record held to now), timer
 * {@code wmb.processinglog.bulk} (tag {@code outcome}: {@code success} or {@code failure}).
 *
 * <p>We keep our own sender rather than the client's {@code BulkIngester}: its {@code add} blocks when
 * requests are in flight, and its listener does not give the per-caller flush point that {@link #flush()}
 * promises.
 */
public final class ElasticsearchProcessingLog implements ProcessingLog, AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(ElasticsearchProcessingLog.class);

    static final String METRIC_PREFIX = "wmb.processinglog.";

    private static final Duration MIN_RETRY_INTERVAL = Duration.ofMillis(100);

    private static final Duration MAX_RETRY_INTERVAL = Duration.ofSeconds(5);

    /** A failing publisher warns at most this often; in between it logs at debug. */
    private static final Duration PUBLISH_WARNING_INTERVAL = Duration.ofMinutes(1);

    private final ProcessingLogSettings settings;

    private final WriterId writer;

    private final Clock clock;

    private final ElasticsearchClient client;

    /** Bulk requests, through the client's own HTTP client. */
    private final BulkIndexer indexer;

    private final SpillStore spill;

    /** Records and {@link Marker}s, in arrival order; the record count is bounded by {@link #queued}. */
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();

    private final AtomicInteger queued = new AtomicInteger();

    /** Timestamps of the records held in memory, from {@link #record} until they are indexed or on disk. */
    private final PendingTimestamps pending = new PendingTimestamps();

    /** Readers are callers of {@link #record}; {@link #close} takes the write lock to stop accepting. */
    private final ReadWriteLock acceptLock = new ReentrantReadWriteLock();

    private final Thread sender;

    private final ScheduledExecutorService resender;

    private final ScheduledExecutorService publisher;

    private final Counter accepted;

    private final Counter sent;

    private final Counter spilled;

    private final Counter resent;

    private final Counter rejected;

    private final Counter lost;

    /** Opened when the re-sender's first look at Elasticsearch is over, whatever it found. */
    private final CountDownLatch firstProbe = new CountDownLatch(1);

    /**
     * While the sender sleeps on an open batch: how many queued items fill it; {@link #record} wakes the sender
     * once that many wait. The sender sets it before it looks at the queue's size, and {@link #record} reads it
     * after adding to the queue, so that one of the two always sees the other. (The queue's own count, not
     * {@link #queued}: a record is counted there before it is in the queue, and a sender woken by that count
     * would find nothing to take.)
     */
    private volatile int batchRoom = Integer.MAX_VALUE;

    /** Set with a {@link Marker} put in the queue, so that the sender takes it without waiting out its batch. */
    private volatile boolean markerWaiting;

    /** Whether the sender sends to Elasticsearch; when false it spills until the re-sender has caught up. */
    private volatile boolean online;

    private boolean closed;

    /** Publisher thread only: whether the spill segments of an earlier run have been measured. */
    private boolean spillMeasured;

    /** Publisher thread only: whether the template of the writers' index has been put. */
    private boolean writersTemplatePut;

    /** Publisher thread only: when the last warning about a failed publication was logged. */
    private long lastPublishWarningNanos = System.nanoTime() - PUBLISH_WARNING_INTERVAL.toNanos();

    /**
     * A writer for tools and tests: named {@code unnamed-unknown-<random>}, on the system clock. Services name
     * themselves with {@link #ElasticsearchProcessingLog(ProcessingLogSettings, WriterId, MeterRegistry, Clock)}.
     * @param settings how to write
     * @param registry where the metrics go
     * @throws IllegalStateException when the spill directory cannot be used (another writer holds it)
     */
    public ElasticsearchProcessingLog(ProcessingLogSettings settings, MeterRegistry registry) {
        this(settings, WriterId.of("unnamed", "unknown"), registry, Clock.systemUTC());
    }

    /**
     * Starts the sender, the re-sender and the watermark's publisher; spill files of an earlier run are re-sent
     * as soon as Elasticsearch answers. Does not wait for Elasticsearch.
     * @param settings how to write
     * @param writer who writes: the id of the watermark document
     * @param registry where the metrics go
     * @param clock the clock the callers stamp records with; the watermark's "now" and heartbeat come from it
     * @throws IllegalStateException when the spill directory cannot be used (another writer holds it)
     */
    public ElasticsearchProcessingLog(ProcessingLogSettings settings, WriterId writer, MeterRegistry registry,
            Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.writer = Objects.requireNonNull(writer, "writer");
        this.clock = Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(registry, "registry");
        try {
            this.spill = new SpillStore(settings.spillDirectory());
        }
        catch (IOException ex) {
            throw new IllegalStateException("cannot use spill directory " + settings.spillDirectory(), ex);
        }
        this.client = ElasticsearchClients.create(settings.elasticsearchUrl(), settings.requestTimeout());
        this.indexer = new BulkIndexer(ElasticsearchClients.restClient(this.client), registry);
        this.accepted = counter(registry, "accepted", "records handed to the processing log");
        this.sent = counter(registry, "sent", "records indexed by the sender");
        this.spilled = counter(registry, "spilled", "records written to the local spill file");
        this.resent = counter(registry, "resent", "spilled records indexed by the re-sender");
        this.rejected = counter(registry, "rejected", "records Elasticsearch refused for good");
        this.lost = counter(registry, "lost", "records neither indexed nor spilled: the local disk refused");
        Gauge.builder(METRIC_PREFIX + "queue.depth", this.queued, AtomicInteger::get)
                .description("records waiting in memory").register(registry);
        Gauge.builder(METRIC_PREFIX + "spill.bytes", this.spill, SpillStore::pendingBytes)
                .description("bytes of records waiting on disk to be re-sent").baseUnit("bytes").register(registry);
        Gauge.builder(METRIC_PREFIX + "online", this, (log) -> log.online ? 1 : 0)
                .description("1 while records go straight to Elasticsearch, 0 while they are spilled")
                .register(registry);
        Gauge.builder(METRIC_PREFIX + "flush.lag", this, ElasticsearchProcessingLog::flushLagSeconds)
                .description("seconds from the oldest record not yet in Elasticsearch to now").baseUnit("seconds")
                .register(registry);

        this.sender = new Thread(this::sendLoop, "wmb-processing-log-sender");
        this.sender.setDaemon(true);
        this.sender.start();
        this.resender = daemonScheduler("wmb-processing-log-resender");
        long retryMillis = retryInterval(settings.flushInterval()).toMillis();
        this.resender.scheduleWithFixedDelay(this::resendSafely, 0, retryMillis, TimeUnit.MILLISECONDS);
        // A thread of its own: a re-send may take minutes, which is exactly when the watermark matters most.
        this.publisher = daemonScheduler("wmb-processing-log-watermark");
        this.publisher.scheduleWithFixedDelay(this::publishSafely, 0, settings.watermarkInterval().toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * Accepts a record; returns at once. When the in-memory queue is full the record is written to the spill
     * file in the caller's thread (a local disk write, never a wait for Elasticsearch).
     * @param record the record
     * @throws IllegalStateException after {@link #close()}
     */
    @Override
    public void record(ProcessingRecord record) {
        Objects.requireNonNull(record, "record");
        this.acceptLock.readLock().lock();
        try {
            if (this.closed) {
                throw new IllegalStateException("the processing log is closed; record " + record.documentId()
                        + " was not accepted");
            }
            this.accepted.increment();
            // Held before it is anywhere else: a watermark taken from now on waits for this record.
            this.pending.add(record.at());
            if (this.queued.incrementAndGet() > this.settings.maxQueued()) {
                this.queued.decrementAndGet();
                // Not forced here, to keep the caller fast: the sender forces these lines with its next batch,
                // and before any flush() completes.
                spillRecords(List.of(record), false);
                this.pending.remove(record.at());
                return;
            }
            this.queue.add(record);
            if (this.queue.size() >= this.batchRoom) {
                // Enough to fill the sender's batch: no need to wait for its deadline.
                LockSupport.unpark(this.sender);
            }
        }
        finally {
            this.acceptLock.readLock().unlock();
        }
    }

    /**
     * Blocks until every record accepted before this call is in Elasticsearch or in the spill file. Meant for
     * tests and shutdown; it does not wait for spilled records to be re-sent.
     */
    public void flush() {
        Marker marker = new Marker(false);
        this.acceptLock.readLock().lock();
        try {
            if (this.closed) {
                // close() flushed everything before it set the flag.
                return;
            }
            this.queue.add(marker);
            wakeSenderForMarker();
        }
        finally {
            this.acceptLock.readLock().unlock();
        }
        marker.done.join();
    }

    /**
     * This writer's watermark as of now: every record handed to {@link #record} with a timestamp before
     * {@code flushedBefore} is in Elasticsearch (or was refused for good, or lost).
     * @return the watermark, with {@code heartbeatAt} = now
     */
    public WriterWatermark watermark() {
        // Now first, then the memory, then the disk: a record moves from memory to disk by being appended
        // before it is forgotten, so looking in this order never misses it in between.
        Instant now = Instant.ofEpochMilli(this.clock.millis());
        long oldest = Math.min(this.pending.oldestMillis(), this.spill.oldestMillis());
        Instant flushedBefore = (oldest < now.toEpochMilli()) ? Instant.ofEpochMilli(oldest) : now;
        return new WriterWatermark(this.writer.id(), this.writer.service(), this.writer.datacenter(), flushedBefore,
                now);
    }

    /**
     * Whether records currently go straight to Elasticsearch (false from start until Elasticsearch first
     * answers, and while it is unreachable and records are spilled).
     * @return whether the writer is online
     */
    public boolean isOnline() {
        return this.online;
    }

    /**
     * Flushes (what Elasticsearch does not take is spilled, to be re-sent by the next run), then stops the
     * threads, deletes this writer's watermark (the next run publishes its own, holding back for what it finds
     * spilled) and closes the client and the spill directory. Idempotent.
     */
    @Override
    public void close() {
        Marker stop = new Marker(true);
        this.acceptLock.writeLock().lock();
        try {
            if (this.closed) {
                return;
            }
            this.closed = true;
            this.queue.add(stop);
            wakeSenderForMarker();
        }
        finally {
            this.acceptLock.writeLock().unlock();
        }
        stop.done.join();
        joinSender();
        // A re-send in progress may wait for one request timeout per batch; it stops after that batch.
        this.resender.shutdown();
        this.publisher.shutdown();
        awaitStopped(this.resender);
        awaitStopped(this.publisher);
        deleteWatermark();
        try {
            this.spill.close();
        }
        catch (IOException ex) {
            logger.warn("Could not close spill directory {}: {}", this.spill.directory(), ex.toString());
        }
        try {
            this.client._transport().close();
        }
        catch (IOException ex) {
            logger.warn("Could not close the Elasticsearch client: {}", ex.toString());
        }
    }

    private void awaitStopped(ScheduledExecutorService scheduler) {
        try {
            if (!scheduler.awaitTermination(this.settings.requestTimeout().multipliedBy(2).toMillis(),
                    TimeUnit.MILLISECONDS)) {
                scheduler.shutdownNow();
            }
        }
        catch (InterruptedException ex) {
            scheduler.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** After a {@link Marker} was queued: the sender takes it at once instead of waiting out its batch. */
    private void wakeSenderForMarker() {
        this.markerWaiting = true;
        LockSupport.unpark(this.sender);
    }

    private void joinSender() {
        try {
            this.sender.join();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- sender thread -------------------------------------------------------------------------------------

    /**
     * Takes records off the queue into batches. While a batch is open the thread sleeps until the batch's deadline
     * and then takes everything that came meanwhile at once, instead of waking for every record: a wake-up per
     * record cost more CPU than the rest of the writer. {@link #record} wakes it early once enough records wait to
     * fill a batch, {@link #flush} and {@link #close} once their marker waits.
     */
    private void sendLoop() {
        int maxBatch = this.settings.maxBatch();
        List<ProcessingRecord> batch = new ArrayList<>(maxBatch);
        List<Object> taken = new ArrayList<>(maxBatch);
        long flushIntervalNanos = this.settings.flushInterval().toNanos();
        long deadline = 0;
        boolean sentFull = false;
        while (true) {
            if (batch.isEmpty()) {
                // Records queued behind a batch that was sent full came within its interval: they keep its deadline.
                Object first = sentFull ? this.queue.poll() : null;
                boolean behindFullBatch = first != null;
                sentFull = false;
                if (first == null) {
                    try {
                        // When idle, still wake up every interval to force lines callers spilled unforced.
                        first = this.queue.poll(flushIntervalNanos, TimeUnit.NANOSECONDS);
                    }
                    catch (InterruptedException ex) {
                        // Nobody but close() should stop this thread, and close() uses a marker: keep going.
                        continue;
                    }
                }
                if (first == null) {
                    forceSpill();
                    continue;
                }
                if (!behindFullBatch) {
                    deadline = System.nanoTime() + flushIntervalNanos;
                }
                taken.add(first);
                this.queue.drainTo(taken, maxBatch - 1);
            }
            else {
                int room = maxBatch - batch.size();
                this.batchRoom = room;
                long left = deadline - System.nanoTime();
                if (left > 0 && this.queue.size() < room && !this.markerWaiting) {
                    LockSupport.parkNanos(this, left);
                    // Woken early, by time or spuriously: the checks above decide whether to sleep on.
                    if (deadline - System.nanoTime() > 0 && this.queue.size() < room && !this.markerWaiting) {
                        continue;
                    }
                }
                this.batchRoom = Integer.MAX_VALUE;
                this.markerWaiting = false;
                this.queue.drainTo(taken, maxBatch - batch.size());
                if (taken.isEmpty()) {
                    sendSafely(batch);
                    forceSpill();
                    continue;
                }
            }
            for (Object item : taken) {
                if (item instanceof ProcessingRecord record) {
                    this.queued.decrementAndGet();
                    batch.add(record);
                    if (batch.size() >= maxBatch) {
                        sendSafely(batch);
                        forceSpill();
                        sentFull = true;
                    }
                }
                else if (item instanceof Marker marker) {
                    sendSafely(batch);
                    forceSpill();
                    sentFull = false;
                    marker.done.complete(null);
                    if (marker.stop) {
                        return;
                    }
                }
            }
            taken.clear();
            if (!batch.isEmpty() && deadline - System.nanoTime() <= 0) {
                sendSafely(batch);
                forceSpill();
                sentFull = false;
            }
        }
    }

    /** Sends and clears the batch; whatever goes wrong, the thread lives on and the records are spilled. */
    private void sendSafely(List<ProcessingRecord> batch) {
        if (batch.isEmpty()) {
            return;
        }
        List<ProcessingRecord> records = List.copyOf(batch);
        batch.clear();
        try {
            send(records);
        }
        finally {
            // Only now are they indexed, on disk (where the spill store holds the watermark back), refused for
            // good or lost: never before the bulk request answered.
            for (ProcessingRecord record : records) {
                this.pending.remove(record.at());
            }
        }
    }

    private void send(List<ProcessingRecord> records) {
        if (!this.online) {
            awaitFirstProbe();
        }
        if (!this.online) {
            spillRecords(records);
            return;
        }
        BulkIndexer.Result result;
        try {
            result = this.indexer.index(records);
        }
        catch (Exception ex) {
            goOffline("a bulk request of " + records.size() + " records failed", ex);
            spillRecords(records);
            return;
        }
        this.sent.increment(result.indexed());
        if (!result.retry().isEmpty()) {
            goOffline(result.retry().size() + " of " + records.size() + " records were not taken ("
                    + result.retryReason() + ")", null);
            spillRecords(result.retry());
        }
        rejectRecords(result.rejected());
    }

    /** Forces to disk what callers spilled when the queue was full: one fsync for all of them. */
    private void forceSpill() {
        try {
            this.spill.force();
        }
        catch (IOException ex) {
            logger.error("Could not force spill directory {} to disk: {}", this.spill.directory(), ex.toString());
        }
    }

    /**
     * Right after start the writer is offline until the re-sender has seen Elasticsearch answer; without this
     * wait the first batches would take a needless detour through the disk.
     */
    private void awaitFirstProbe() {
        try {
            // The first look asks for cluster health and puts the template: two requests at most.
            this.firstProbe.await(this.settings.requestTimeout().multipliedBy(2).toMillis() + 100,
                    TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private void spillRecords(List<ProcessingRecord> records) {
        spillRecords(records, true);
    }

    private void spillRecords(List<ProcessingRecord> records, boolean force) {
        List<String> lines = new ArrayList<>(records.size());
        long oldestMillis = PendingTimestamps.NONE;
        for (ProcessingRecord record : records) {
            lines.add(ProcessingRecordJson.toJson(record));
            oldestMillis = Math.min(oldestMillis, record.at().toEpochMilli());
        }
        try {
            this.spill.append(lines, oldestMillis, force);
            this.spilled.increment(records.size());
        }
        catch (IOException | RuntimeException ex) {
            this.lost.increment(records.size());
            for (ProcessingRecord record : records) {
                MDC.put("requestId", record.requestId());
                try {
                    logger.error("Lost processing record {}: neither Elasticsearch nor the spill directory {} "
                            + "took it: {}", record.documentId(), this.spill.directory(), ex.toString());
                }
                finally {
                    MDC.remove("requestId");
                }
            }
        }
    }

    private void rejectRecords(List<Rejection> rejections) {
        if (rejections.isEmpty()) {
            return;
        }
        List<String> lines = new ArrayList<>(rejections.size());
        for (Rejection rejection : rejections) {
            lines.add(rejection.line());
            MDC.put("requestId", rejection.requestId());
            try {
                logger.error("Elasticsearch refused processing record {}: {}; kept in {}", rejection.documentId(),
                        rejection.reason(), this.spill.directory().resolve(SpillStore.REJECTED_FILE));
            }
            finally {
                MDC.remove("requestId");
            }
        }
        this.rejected.increment(rejections.size());
        try {
            this.spill.reject(lines);
        }
        catch (IOException | RuntimeException ex) {
            logger.error("Could not keep {} refused records in {}: {}", lines.size(), this.spill.directory(),
                    ex.toString());
        }
    }

    private void goOffline(String why, Exception cause) {
        if (this.online) {
            this.online = false;
            logger.warn("Processing log goes offline, spilling to {}: {}{}", this.spill.directory(), why,
                    (cause != null) ? ": " + cause : "");
        }
    }

    // ---- re-sender ------------------------------------------------------------------------------------------

    private void resendSafely() {
        try {
            resend();
        }
        catch (Exception ex) {
            goOffline("re-sending failed", ex);
            logger.debug("Re-sending spilled records failed", ex);
        }
        finally {
            this.firstProbe.countDown();
        }
    }

    private void resend() throws IOException {
        if (!this.online) {
            if (!elasticsearchAnswers()) {
                return;
            }
            // The template must exist before the first index of a day is created, also after an outage.
            ProcessingLogIndices.ensureTemplate(this.client);
            // New records may go straight to Elasticsearch while the spill is re-sent: the external version
            // keeps a late re-send from overwriting a newer record of the same stage.
            this.online = true;
            this.firstProbe.countDown();
            logger.info("Processing log is online at {}", this.settings.elasticsearchUrl());
        }
        if (this.spill.isEmpty()) {
            return;
        }
        long before = (long) this.resent.count();
        try {
            for (Path segment : this.spill.seal()) {
                if (!replay(segment)) {
                    return;
                }
            }
        }
        finally {
            long resentNow = (long) this.resent.count() - before;
            if (resentNow > 0) {
                logger.info("Re-sent {} spilled records to {}", resentNow, this.settings.elasticsearchUrl());
            }
        }
    }

    private boolean elasticsearchAnswers() {
        try {
            HealthResponse health = this.client.cluster().health();
            return health.status() != HealthStatus.Red;
        }
        catch (Exception ex) {
            logger.debug("Elasticsearch at {} does not answer yet: {}", this.settings.elasticsearchUrl(),
                    ex.toString());
            return false;
        }
    }

    /** Re-sends one segment in batches and deletes it; false when Elasticsearch did not take everything. */
    private boolean replay(Path segment) throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(segment, StandardCharsets.UTF_8)) {
            List<ProcessingRecord> batch = new ArrayList<>(this.settings.maxBatch());
            List<Rejection> unreadable = new ArrayList<>();
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    batch.add(ProcessingRecordJson.fromJson(line));
                }
                catch (IllegalArgumentException ex) {
                    // Typically the torn last line of a process that died while writing it.
                    unreadable.add(new Rejection("?", "?", line, ex.getMessage()));
                }
                if (batch.size() >= this.settings.maxBatch() && !replayBatch(batch)) {
                    return false;
                }
            }
            if (!batch.isEmpty() && !replayBatch(batch)) {
                return false;
            }
            rejectRecords(unreadable);
        }
        this.spill.delete(segment);
        return true;
    }

    private boolean replayBatch(List<ProcessingRecord> batch) {
        BulkIndexer.Result result;
        try {
            result = this.indexer.index(batch);
        }
        catch (Exception ex) {
            goOffline("re-sending " + batch.size() + " spilled records failed", ex);
            return false;
        }
        batch.clear();
        this.resent.increment(result.indexed());
        rejectRecords(result.rejected());
        if (!result.retry().isEmpty()) {
            // The whole segment is sent again later; what was indexed already is overwritten with itself.
            goOffline(result.retry().size() + " spilled records were not taken (" + result.retryReason() + ")",
                    null);
            return false;
        }
        return true;
    }

    // ---- watermark publisher --------------------------------------------------------------------------------

    private void publishSafely() {
        try {
            publish();
        }
        catch (Exception ex) {
            // Put it again next time: Elasticsearch may have come back without it.
            this.writersTemplatePut = false;
            long nowNanos = System.nanoTime();
            if (nowNanos - this.lastPublishWarningNanos >= PUBLISH_WARNING_INTERVAL.toNanos()) {
                this.lastPublishWarningNanos = nowNanos;
                logger.warn("Could not publish the flush watermark of writer {} (tried again every {}, next warning "
                        + "in {} at the earliest): {}", this.writer.id(), this.settings.watermarkInterval(),
                        PUBLISH_WARNING_INTERVAL, ex.toString());
            }
            else {
                logger.debug("Could not publish the flush watermark of writer {}: {}", this.writer.id(),
                        ex.toString());
            }
        }
    }

    private void publish() throws IOException {
        if (!this.spillMeasured) {
            // Before the first publication: until then the earlier run's segments would hold it at the epoch.
            this.spill.measure(ElasticsearchProcessingLog::timestampOf);
            this.spillMeasured = true;
        }
        if (!this.writersTemplatePut) {
            ProcessingLogIndices.ensureWritersTemplate(this.client);
            this.writersTemplatePut = true;
        }
        WriterWatermark watermark = watermark();
        // A request that times out may still be applied after a newer one; that only moves the watermark back,
        // which holds the reconciler back a little, never too little.
        this.client.index((index) -> index.index(ProcessingLogIndices.WRITERS).id(watermark.writer())
                .document(watermark.toDocument()));
    }

    /** Best effort: a writer that cannot delete its document leaves it to go stale. */
    private void deleteWatermark() {
        if (!this.online) {
            // Elasticsearch is away or cut off: do not add a request timeout to the shutdown.
            return;
        }
        try {
            this.client.delete((delete) -> delete.index(ProcessingLogIndices.WRITERS).id(this.writer.id()));
        }
        catch (IOException | RuntimeException ex) {
            logger.debug("Could not delete the flush watermark of writer {}: {}", this.writer.id(), ex.toString());
        }
    }

    private double flushLagSeconds() {
        WriterWatermark watermark = watermark();
        return Duration.between(watermark.flushedBefore(), watermark.heartbeatAt()).toMillis() / 1000.0;
    }

    /** The timestamp of a spilled line's record; {@link SpillStore#NONE} for a torn line, which holds nothing. */
    private static long timestampOf(String line) {
        try {
            return ProcessingRecordJson.fromJson(line).at().toEpochMilli();
        }
        catch (IllegalArgumentException ex) {
            return SpillStore.NONE;
        }
    }

    private static Duration retryInterval(Duration flushInterval) {
        if (flushInterval.compareTo(MIN_RETRY_INTERVAL) < 0) {
            return MIN_RETRY_INTERVAL;
        }
        return (flushInterval.compareTo(MAX_RETRY_INTERVAL) > 0) ? MAX_RETRY_INTERVAL : flushInterval;
    }

    private static ScheduledExecutorService daemonScheduler(String threadName) {
        return Executors.newSingleThreadScheduledExecutor((task) -> {
            Thread thread = new Thread(task, threadName);
            thread.setDaemon(true);
            return thread;
        });
    }

    private static Counter counter(MeterRegistry registry, String name, String description) {
        return Counter.builder(METRIC_PREFIX + "records." + name).description(description).register(registry);
    }

    /** A point in the queue: the sender completes it once everything before it is sent or spilled. */
    private static final class Marker {

        private final boolean stop;

        private final CompletableFuture<Void> done = new CompletableFuture<>();

        Marker(boolean stop) {
            this.stop = stop;
        }

    }

}
