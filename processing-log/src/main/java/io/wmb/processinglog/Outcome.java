package io.wmb.processinglog;

/**
 * How a stage ended.
 */
public enum Outcome {

    /** The stage did its work. */
    OK,

    /** The stage failed; the write may need a re-drive. */
    FAILED,

    /** The write had been seen before; nothing changed. */
    DUPLICATE,

    /** A newer version was already in place; the write was skipped. */
    STALE_SKIPPED

}
