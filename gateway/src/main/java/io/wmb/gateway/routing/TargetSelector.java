package io.wmb.gateway.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import io.wmb.gateway.routing.WeightedRendezvous.Candidate;

/**
 * Picks a target for a key from weighted targets, skipping those that are unavailable (down or drained).
 * When every target with a weight is unavailable, the available ones share the traffic equally: a weight
 * of zero means "not normally", not "never", so that a dead datacenter's traffic still finds a home.
 */
final class TargetSelector {

    private TargetSelector() {
    }

    static Optional<Target> select(String key, List<Candidate<Target>> weighted, Predicate<Target> available) {
        List<Candidate<Target>> usable = new ArrayList<>();
        List<Candidate<Target>> fallback = new ArrayList<>();
        for (Candidate<Target> candidate : weighted) {
            if (available.test(candidate.value())) {
                usable.add(candidate);
                fallback.add(new Candidate<>(candidate.id(), 1, candidate.value()));
            }
        }
        Optional<Target> chosen = WeightedRendezvous.choose(key, usable);
        return chosen.isPresent() ? chosen : WeightedRendezvous.choose(key, fallback);
    }

}
