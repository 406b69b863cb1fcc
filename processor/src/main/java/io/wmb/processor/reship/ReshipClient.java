package io.wmb.processor.reship;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;

import io.wmb.proto.v1.ApplyOutcome;
import io.wmb.proto.v1.BatchAck;
import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.ReshipGrpc;
import io.wmb.proto.v1.WriteBatch;
import io.wmb.proto.v1.WriteResult;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands local writes to this datacenter's reship ({@code Reship.Submit}), which stores them durably before it
 * answers. Writes that arrive while earlier calls are under way are grouped into one batch (group commit), so
 * throughput grows with load while a lone write still goes out at once. Tells a listener when reship answers again
 * after calls had failed, so that the writes it missed meanwhile are handed over at once.
 */
public class ReshipClient implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReshipClient.class);

    private final ManagedChannel channel;

    private final ReshipGrpc.ReshipFutureStub stub;

    private final Duration deadline;

    private final int maxBatch;

    private final Semaphore inFlight;

    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();

    private final AtomicLong batchIds = new AtomicLong();

    private final Thread sender;

    private volatile boolean running = true;

    /** Whether a call failed since the last that succeeded: the next that succeeds tells {@link #reachableAgain}. */
    private final AtomicBoolean unreachable = new AtomicBoolean();

    private volatile Runnable reachableAgain = () -> { };

    /**
     * Creates the client and starts its sender thread.
     * @param channel the channel to reship; shared, not this class's to shut down
     * @param deadline deadline of one Submit call
     * @param maxBatch most writes per call
     * @param maxInFlight most calls under way at once
     */
    public ReshipClient(ManagedChannel channel, Duration deadline, int maxBatch, int maxInFlight) {
        if (maxBatch < 1 || maxBatch > 10_000) {
            throw new IllegalArgumentException("maxBatch must be between 1 and 10000, but was " + maxBatch);
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1, but was " + maxInFlight);
        }
        this.channel = channel;
        this.stub = ReshipGrpc.newFutureStub(channel);
        this.deadline = deadline;
        this.maxBatch = maxBatch;
        this.inFlight = new Semaphore(maxInFlight);
        this.sender = new Thread(this::sendLoop, "reship-sender");
        this.sender.setDaemon(true);
        this.sender.start();
    }

    /**
     * Sets what to do when reship answers again after calls to it had failed; runs on a gRPC thread, so it should
     * only hand the work on.
     * @param listener told once per recovery
     */
    public void onReachableAgain(Runnable listener) {
        this.reachableAgain = listener;
    }

    /**
     * Hands one write to reship.
     * @param write the write
     * @return completes when reship stored it; fails with {@link ReshipException} otherwise
     */
    public CompletableFuture<Void> submit(PostWrite write) {
        Pending pending = new Pending(write, new CompletableFuture<>());
        if (!running) {
            pending.future.completeExceptionally(new ReshipException("reship client is closed", null));
        }
        else {
            queue.add(pending);
        }
        return pending.future;
    }

    /**
     * Waits for a write handed over by {@link #submit}, up to the deadline.
     * @param taken what {@code submit} returned
     * @throws ReshipException if reship did not store it
     */
    public void await(CompletableFuture<Void> taken) {
        try {
            taken.get(deadline.toMillis() + 250, TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new ReshipException("interrupted while waiting for reship", ex);
        }
        catch (ExecutionException ex) {
            throw (ex.getCause() instanceof ReshipException re) ? re
                    : new ReshipException("reship failed: " + ex.getCause(), ex.getCause());
        }
        catch (TimeoutException ex) {
            throw new ReshipException("reship did not answer within " + deadline, ex);
        }
    }

    private void sendLoop() {
        List<Pending> batch = new ArrayList<>(maxBatch);
        while (running) {
            try {
                Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                // Wait for a free slot first: writes arriving meanwhile join this batch.
                inFlight.acquire();
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                send(List.copyOf(batch));
                batch.clear();
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void send(List<Pending> batch) {
        WriteBatch.Builder message = WriteBatch.newBuilder().setBatchId(batchIds.incrementAndGet());
        for (Pending pending : batch) {
            message.addWrites(pending.write);
        }
        if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
            // The channel's own reconnect backoff grows to two minutes while reship is away: once it is back, writes
            // would keep failing for as long (10 s after a 30 s outage, measured). Each batch may try at once;
            // connection attempts on a refused port cost next to nothing, and one is under way at a time.
            channel.resetConnectBackoff();
        }
        try {
            Futures.addCallback(stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                .submit(message.build()), new FutureCallback<BatchAck>() {

                    @Override
                    public void onSuccess(BatchAck ack) {
                        inFlight.release();
                        complete(batch, ack);
                        if (unreachable.compareAndSet(true, false)) {
                            log.info("Reship answers again");
                            reachableAgain.run();
                        }
                    }

                    @Override
                    public void onFailure(Throwable failure) {
                        inFlight.release();
                        unreachable.set(true);
                        String reason = (failure instanceof StatusRuntimeException sre)
                                ? sre.getStatus().getCode() + ": " + sre.getStatus().getDescription()
                                : failure.toString();
                        ReshipException error = new ReshipException("reship unreachable or failed: " + reason, failure);
                        for (Pending pending : batch) {
                            pending.future.completeExceptionally(error);
                        }
                    }
                }, MoreExecutors.directExecutor());
        }
        catch (RuntimeException ex) {
            inFlight.release();
            unreachable.set(true);
            log.warn("Could not call reship: {}", ex.toString());
            for (Pending pending : batch) {
                pending.future.completeExceptionally(new ReshipException("could not call reship: " + ex, ex));
            }
        }
    }

    private static void complete(List<Pending> batch, BatchAck ack) {
        for (int i = 0; i < batch.size(); i++) {
            Pending pending = batch.get(i);
            WriteResult result = (i < ack.getResultsCount()) ? ack.getResults(i) : null;
            if (result == null) {
                pending.future.completeExceptionally(new ReshipException("reship acknowledged "
                        + ack.getResultsCount() + " of " + batch.size() + " writes", null));
            }
            else if (result.getOutcome() == ApplyOutcome.APPLY_OUTCOME_OK
                    || result.getOutcome() == ApplyOutcome.APPLY_OUTCOME_DUPLICATE) {
                pending.future.complete(null);
            }
            else {
                pending.future.completeExceptionally(new ReshipException("reship refused the write: "
                        + result.getOutcome() + " " + result.getDetail(), null));
            }
        }
    }

    @Override
    public void close() {
        running = false;
        sender.interrupt();
        Pending pending;
        while ((pending = queue.poll()) != null) {
            pending.future.completeExceptionally(new ReshipException("reship client closed", null));
        }
    }

    private record Pending(PostWrite write, CompletableFuture<Void> future) {
    }

}
