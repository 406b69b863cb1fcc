package io.wmb.processinglog;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How an {@link ElasticsearchProcessingLog} writes. Validates at once and names the bad value.
 *
 * @param elasticsearchUrl the Elasticsearch node, for example {@code http://127.0.0.1:9200}
 * @param spillDirectory where records wait on local disk while Elasticsearch cannot take them; one writer per
 *     directory (it is locked)
 * @param maxBatch the most records in one bulk request
 * @param flushInterval the longest a record waits in memory before its batch is sent
 * @param maxQueued the most records held in memory; beyond it records go straight to the spill file
 * @param requestTimeout the longest one request to Elasticsearch may take before it counts as failed
 * @param watermarkInterval how often the writer publishes its flush watermark (what it has in Elasticsearch) for
 *     the reconciler
 */
public record ProcessingLogSettings(String elasticsearchUrl, Path spillDirectory, int maxBatch,
        Duration flushInterval, int maxQueued, Duration requestTimeout, Duration watermarkInterval) {

    /** Default for {@link #requestTimeout()} when the five-argument constructor is used. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);

    /**
     * Default for {@link #watermarkInterval()}: the reconciler's window trails the oldest watermark, so a longer
     * interval delays every scan by as much; one small document per writer and second is cheap.
     */
    public static final Duration DEFAULT_WATERMARK_INTERVAL = Duration.ofSeconds(1);

    public ProcessingLogSettings {
        if (elasticsearchUrl == null || elasticsearchUrl.isBlank()) {
            throw new IllegalArgumentException(
                    "elasticsearchUrl must not be blank, but was '" + elasticsearchUrl + "'");
        }
        validateUrl(elasticsearchUrl);
        if (spillDirectory == null) {
            throw new IllegalArgumentException("spillDirectory must not be null");
        }
        if (maxBatch < 1 || maxBatch > 10_000) {
            throw new IllegalArgumentException("maxBatch must be between 1 and 10000, but was " + maxBatch);
        }
        if (flushInterval == null || flushInterval.isNegative() || flushInterval.isZero()) {
            throw new IllegalArgumentException("flushInterval must be positive, but was " + flushInterval);
        }
        if (maxQueued < maxBatch) {
            throw new IllegalArgumentException("maxQueued must be at least maxBatch (" + maxBatch + "), but was "
                    + maxQueued);
        }
        if (requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive, but was " + requestTimeout);
        }
        if (watermarkInterval == null || watermarkInterval.isNegative() || watermarkInterval.isZero()) {
            throw new IllegalArgumentException("watermarkInterval must be positive, but was " + watermarkInterval);
        }
    }

    /**
     * Settings with the {@link #DEFAULT_WATERMARK_INTERVAL default watermark interval}.
     * @param elasticsearchUrl the Elasticsearch node
     * @param spillDirectory where records wait on local disk
     * @param maxBatch the most records in one bulk request
     * @param flushInterval the longest a record waits in memory
     * @param maxQueued the most records held in memory
     * @param requestTimeout the longest one request to Elasticsearch may take
     */
    public ProcessingLogSettings(String elasticsearchUrl, Path spillDirectory, int maxBatch, Duration flushInterval,
            int maxQueued, Duration requestTimeout) {
        this(elasticsearchUrl, spillDirectory, maxBatch, flushInterval, maxQueued, requestTimeout,
                DEFAULT_WATERMARK_INTERVAL);
    }

    /**
     * Settings with the {@link #DEFAULT_REQUEST_TIMEOUT default request timeout}.
     * @param elasticsearchUrl the Elasticsearch node
     * @param spillDirectory where records wait on local disk
     * @param maxBatch the most records in one bulk request
     * @param flushInterval the longest a record waits in memory
     * @param maxQueued the most records held in memory
     */
    public ProcessingLogSettings(String elasticsearchUrl, Path spillDirectory, int maxBatch, Duration flushInterval,
            int maxQueued) {
        this(elasticsearchUrl, spillDirectory, maxBatch, flushInterval, maxQueued, DEFAULT_REQUEST_TIMEOUT);
    }

    /**
     * Settings that suit a service of the local demo: batches of 500, sent at least every second, up to
     * 10000 records in memory, the watermark published every second.
     * @param elasticsearchUrl the Elasticsearch node
     * @param spillDirectory where records wait on local disk
     * @return the settings
     */
    public static ProcessingLogSettings defaults(String elasticsearchUrl, Path spillDirectory) {
        return new ProcessingLogSettings(elasticsearchUrl, spillDirectory, 500, Duration.ofSeconds(1), 10_000);
    }

    private static void validateUrl(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        }
        catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("elasticsearchUrl is not a URL: '" + url + "'", ex);
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new IllegalArgumentException(
                    "elasticsearchUrl must start with http:// or https://, but was '" + url + "'");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("elasticsearchUrl must name a host, but was '" + url + "'");
        }
    }

}
