package io.wmb.reship.forward;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.wmb.proto.v1.BatchAck;
import io.wmb.proto.v1.CollectorGrpc;
import io.wmb.proto.v1.WriteBatch;

/**
 * Talks to the peer datacenter's collector, authenticating as this datacenter with the shared secret.
 */
public final class CollectorClient {

    /** Metadata naming the calling datacenter. */
    public static final Metadata.Key<String> DATACENTER_HEADER =
            Metadata.Key.of("wmb-datacenter", Metadata.ASCII_STRING_MARSHALLER);

    /** Metadata carrying {@code Bearer <secret>}. */
    public static final Metadata.Key<String> AUTHORIZATION_HEADER =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final CollectorGrpc.CollectorStub asyncStub;

    private final CollectorGrpc.CollectorBlockingStub blockingStub;

    /**
     * Creates a client.
     * @param channel the channel to the collector; shared, not this class's to shut down
     * @param datacenter this datacenter's name
     * @param secret the shared secret of the two datacenters
     */
    public CollectorClient(Channel channel, String datacenter, String secret) {
        Metadata credentials = new Metadata();
        credentials.put(DATACENTER_HEADER, datacenter);
        credentials.put(AUTHORIZATION_HEADER, "Bearer " + secret);
        this.asyncStub = CollectorGrpc.newStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(credentials));
        this.blockingStub = CollectorGrpc.newBlockingStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(credentials));
    }

    /**
     * Opens a {@code Sync} stream. The observer's {@code beforeStart} gets the request side, on which batches
     * are sent and flow control is watched.
     * @param acks receives the acknowledgements and the end of the stream
     * @param maxAge the stream's deadline
     */
    void openSync(ClientResponseObserver<WriteBatch, BatchAck> acks, Duration maxAge) {
        this.asyncStub.withDeadlineAfter(maxAge.toNanos(), TimeUnit.NANOSECONDS).sync(acks);
    }

    /**
     * Delivers one batch with a unary call: the baseline the stream is measured against.
     * @param batch the batch
     * @param deadline how long to wait for the acknowledgement
     * @return the acknowledgement
     * @throws PeerUnavailableException when the call fails
     */
    public BatchAck deliver(WriteBatch batch, Duration deadline) {
        try {
            return this.blockingStub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS).deliver(batch);
        }
        catch (StatusRuntimeException ex) {
            throw new PeerUnavailableException("Deliver of batch " + batch.getBatchId() + " failed", ex);
        }
    }

}
