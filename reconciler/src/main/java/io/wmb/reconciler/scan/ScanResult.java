package io.wmb.reconciler.scan;

import java.time.Duration;
import java.util.List;

/**
 * What one scan of a window found.
 *
 * @param window the window
 * @param scannedRecords records in the window
 * @param buckets version buckets compared
 * @param suspiciousBuckets buckets whose stage counts did not add up and were examined request by request
 * @param examinedRequests requests looked at one by one
 * @param incomplete requests that belong to the window and are not complete
 * @param bucketsTook how long step 1 (the version buckets) took
 * @param took how long the whole scan took
 */
public record ScanResult(ScanWindow window, long scannedRecords, int buckets, int suspiciousBuckets,
        long examinedRequests, List<Verdict> incomplete, Duration bucketsTook, Duration took) {
}
