package io.wmb.reship.forward;

/**
 * The peer datacenter's collector did not take a batch.
 */
public class PeerUnavailableException extends RuntimeException {

    PeerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

}
