package io.wmb.reconciler.lease;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.OpType;
import co.elastic.clients.elasticsearch._types.Refresh;
import co.elastic.clients.elasticsearch.core.GetResponse;
import co.elastic.clients.elasticsearch.core.IndexResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lease in Elasticsearch: one document, taken and renewed with optimistic concurrency
 * ({@code if_seq_no}/{@code if_primary_term}), so that of two instances racing for it exactly one wins.
 */
public final class LeaseRepository {

    /** The index that holds the lease. */
    public static final String INDEX = "wmb-reconciler-lease";

    /** The default lease document id. */
    public static final String DEFAULT_NAME = "reconciler";

    private static final Logger logger = LoggerFactory.getLogger(LeaseRepository.class);

    private final ElasticsearchClient client;

    private final String name;

    private final String instanceId;

    private final Duration duration;

    private final Clock clock;

    /**
     * A repository.
     * @param client the cluster; shared, not this class's to close
     * @param name the lease document's id: instances with the same name share one lease
     * @param instanceId this instance's name in the lease
     * @param duration how long a taken or renewed lease lasts
     * @param clock the time
     */
    public LeaseRepository(ElasticsearchClient client, String name, String instanceId, Duration duration, Clock clock) {
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("lease duration must be positive, but was " + duration);
        }
        this.client = client;
        this.name = name;
        this.instanceId = instanceId;
        this.duration = duration;
        this.clock = clock;
    }

    /** This instance's name. */
    public String instanceId() {
        return this.instanceId;
    }

    /**
     * Takes, renews or takes over the lease if this instance may.
     * @return the lease this instance now holds, or empty when another instance holds it
     * @throws IOException when Elasticsearch cannot be reached
     */
    public Optional<HeldLease> acquire() throws IOException {
        Instant now = this.clock.instant();
        Optional<HeldLease> current = read();
        Lease stored = current.map(HeldLease::lease).orElse(null);
        Lease.Decision decision = Lease.decide(stored, this.instanceId, now);
        if (!decision.mayWrite()) {
            return Optional.empty();
        }
        Lease next = new Lease(this.instanceId, now.plus(this.duration), (stored != null) ? stored.watermark() : null);
        Optional<HeldLease> taken = write(current.orElse(null), next);
        if (taken.isPresent() && decision == Lease.Decision.TAKE_OVER) {
            logger.info("Took over the reconciler lease from {} (it lapsed at {})", stored.holder(),
                    stored.expiresAt());
        }
        return taken;
    }

    /**
     * Moves the watermark and renews the lease, only if this instance still holds it unchanged.
     * @param held the lease as this instance last wrote it
     * @param watermark the new watermark
     * @return the lease now held, or empty when it was lost
     * @throws IOException when Elasticsearch cannot be reached
     */
    public Optional<HeldLease> advance(HeldLease held, Instant watermark) throws IOException {
        return write(held, new Lease(this.instanceId, this.clock.instant().plus(this.duration), watermark));
    }

    /**
     * Renews the lease, only if this instance still holds it unchanged.
     * @param held the lease as this instance last wrote it
     * @return the lease now held, or empty when it was lost
     * @throws IOException when Elasticsearch cannot be reached
     */
    public Optional<HeldLease> renew(HeldLease held) throws IOException {
        return advance(held, held.lease().watermark());
    }

    /**
     * The stored lease.
     * @return it, or empty when none was ever taken
     * @throws IOException when Elasticsearch cannot be reached
     */
    public Optional<HeldLease> read() throws IOException {
        GetResponse<ObjectNode> response;
        try {
            response = this.client.get((get) -> get.index(INDEX).id(this.name).realtime(true), ObjectNode.class);
        }
        catch (ElasticsearchException ex) {
            if (ex.status() == 404) {
                return Optional.empty();
            }
            throw ex;
        }
        if (!response.found() || response.source() == null) {
            return Optional.empty();
        }
        ObjectNode source = response.source();
        JsonNode watermark = source.get("watermark");
        Lease lease = new Lease(source.path("holder").asText(), Instant.ofEpochMilli(source.path("expiresAt").asLong()),
                (watermark == null || watermark.isNull()) ? null : Instant.ofEpochMilli(watermark.asLong()));
        return Optional.of(new HeldLease(lease, response.seqNo(), response.primaryTerm()));
    }

    /** Creates ({@code expected == null}) or compare-and-sets the lease document. */
    private Optional<HeldLease> write(HeldLease expected, Lease next) throws IOException {
        Map<String, Object> document = new HashMap<>();
        document.put("holder", next.holder());
        document.put("expiresAt", next.expiresAt().toEpochMilli());
        document.put("watermark", (next.watermark() != null) ? next.watermark().toEpochMilli() : null);
        try {
            IndexResponse response = this.client.index((index) -> {
                index.index(INDEX).id(this.name).document(document).refresh(Refresh.False);
                if (expected == null) {
                    index.opType(OpType.Create);
                }
                else {
                    index.ifSeqNo(expected.seqNo()).ifPrimaryTerm(expected.primaryTerm());
                }
                return index;
            });
            return Optional.of(new HeldLease(next, response.seqNo(), response.primaryTerm()));
        }
        catch (ElasticsearchException ex) {
            if (ex.status() == 409) {
                // Another instance wrote the lease first: it acts, this one does not.
                return Optional.empty();
            }
            throw ex;
        }
    }

    /**
     * A lease with the version of its document, for the next compare-and-set.
     *
     * @param lease the lease
     * @param seqNo the document's sequence number
     * @param primaryTerm the document's primary term
     */
    public record HeldLease(Lease lease, long seqNo, long primaryTerm) {
    }

}
