package io.wmb.collector.apply;

/**
 * The local processor did not apply a batch (down, too slow, or it refused the call).
 */
public class ProcessorUnavailableException extends RuntimeException {

    ProcessorUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

}
