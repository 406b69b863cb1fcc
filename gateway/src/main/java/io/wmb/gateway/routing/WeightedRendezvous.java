package io.wmb.gateway.routing;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import org.apache.commons.codec.digest.MurmurHash3;

/**
 * Weighted rendezvous (highest random weight) hashing: every candidate gets a score from a hash of the
 * (key, candidate) pair scaled by the candidate's weight, and the key goes to the best score.
 *
 * <p>Why this and not a random pick: a key keeps its candidate as long as the weights do not change, and
 * raising one candidate's weight only moves keys <em>to</em> that candidate, about as many as the weight
 * change asks for. Removing a candidate (it is down) moves only the keys it had. The score
 * {@code weight / -ln(u)}, with {@code u} uniform in (0, 1) from the hash, gives each candidate a share of
 * keys proportional to its weight (Schindelhauer and Schomaker, "Weighted distributed hash tables").
 */
public final class WeightedRendezvous {

    private static final double TWO_TO_THE_53 = 0x1.0p53;

    private WeightedRendezvous() {
    }

    /**
     * A candidate to route to.
     * @param id stable identity hashed with the key: keep it the same across restarts
     * @param weight non-negative share; zero never receives keys
     * @param value what the caller gets back
     */
    public record Candidate<T>(String id, double weight, T value) {

        public Candidate {
            if (id == null || id.isEmpty()) {
                throw new IllegalArgumentException("candidate id must not be empty, but was '" + id + "'");
            }
            if (!(weight >= 0) || Double.isInfinite(weight)) {
                throw new IllegalArgumentException("weight must be a finite number >= 0, but was " + weight);
            }
        }

    }

    /**
     * Picks the candidate for a key among those with a positive weight.
     * @return empty when no candidate has a positive weight
     */
    public static <T> Optional<T> choose(String key, List<Candidate<T>> candidates) {
        Candidate<T> best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (Candidate<T> candidate : candidates) {
            if (candidate.weight() <= 0) {
                continue;
            }
            double score = candidate.weight() / -Math.log(unitHash(key, candidate.id()));
            if (score > bestScore || (score == bestScore && best != null && candidate.id().compareTo(best.id()) < 0)) {
                best = candidate;
                bestScore = score;
            }
        }
        return Optional.ofNullable(best).map(Candidate::value);
    }

    /** A uniform number in the open interval (0, 1) from murmur3 of key and candidate. */
    static double unitHash(String key, String candidateId) {
        byte[] bytes = (key + '\u0000' + candidateId).getBytes(StandardCharsets.UTF_8);
        long hash = MurmurHash3.hash128x64(bytes)[0];
        // 53 high bits make an exact double; the half step keeps it away from 0 and 1.
        return ((hash >>> 11) + 0.5) / TWO_TO_THE_53;
    }

}
