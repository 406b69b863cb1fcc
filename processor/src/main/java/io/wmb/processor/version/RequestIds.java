package io.wmb.processor.version;

import java.time.Clock;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Makes and checks request ids. A generated id is {@code <datacenter>-<millis hex>-<64 random bits hex>}: unique
 * across datacenters and restarts without coordination.
 */
public final class RequestIds {

    /** What a client-chosen request id or idempotency key may look like. */
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:\\-]{1,128}");

    private final Clock clock;

    private final String prefix;

    /**
     * Creates a generator.
     * @param clock the wall clock
     * @param datacenter this datacenter's name
     */
    public RequestIds(Clock clock, String datacenter) {
        this.clock = clock;
        this.prefix = datacenter + "-";
    }

    /** A new request id. */
    public String next() {
        return prefix + Long.toHexString(clock.millis()) + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    }

    /** Whether a client-sent request id or idempotency key is acceptable: 1 to 128 of {@code [A-Za-z0-9._:-]}. */
    public static boolean isValid(String candidate) {
        return candidate != null && VALID.matcher(candidate).matches();
    }

}
