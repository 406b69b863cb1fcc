package io.wmb.processor.topology;

/**
 * A write reached a datacenter that does not take writes in master-slave mode (answered 503).
 */
public class NotMasterDatacenterException extends RuntimeException {

    public NotMasterDatacenterException(String message) {
        super(message);
    }

}
