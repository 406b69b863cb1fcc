package io.wmb.gateway.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;

import io.wmb.gateway.routing.WeightedRendezvous.Candidate;
import io.wmb.gateway.settings.RoutingSettings;

/**
 * A datacenter gateway's decision (the Nginx role): the local processors share the local weight equally,
 * the other datacenter's processor gets the remote weight. Sticky per user, reads and writes alike, so
 * that a user's writes keep their order at one processor.
 * <p>
 * In master-slave mode writes are different: they go only to the master datacenter's processors (the local
 * ones in the master, the remote one, across the link, in the other datacenter), whatever the weights, and
 * never fall back to the other datacenter: a write the master cannot take is refused, not half-written.
 */
public class UpstreamRouter {

    private final List<Target> local;

    private final Target remote;

    private final Supplier<RoutingSettings> settings;

    private final Predicate<Target> healthy;

    private final Datacenter writeDatacenter;

    /**
     * @param local this datacenter's processors
     * @param remote the other datacenter's processor, or {@code null} when there is none
     * @param settings the settings in force, read on every decision
     * @param healthy whether an upstream currently passes its health checks
     */
    public UpstreamRouter(List<Target> local, Target remote, Supplier<RoutingSettings> settings,
            Predicate<Target> healthy) {
        this(local, remote, settings, healthy, null);
    }

    /**
     * @param local this datacenter's processors
     * @param remote the other datacenter's processor, or {@code null} when there is none
     * @param settings the settings in force, read on every decision
     * @param healthy whether an upstream currently passes its health checks
     * @param writeDatacenter the datacenter that takes every write (master-slave mode), or {@code null} when
     *     writes are routed like reads
     */
    public UpstreamRouter(List<Target> local, Target remote, Supplier<RoutingSettings> settings,
            Predicate<Target> healthy, Datacenter writeDatacenter) {
        if (local.isEmpty()) {
            throw new IllegalArgumentException("at least one local upstream is required, but none was given");
        }
        this.local = List.copyOf(local);
        this.remote = remote;
        this.settings = settings;
        this.healthy = healthy;
        this.writeDatacenter = writeDatacenter;
    }

    /**
     * The upstream for a key.
     * @return empty when no upstream is available
     */
    public Optional<Target> route(String key) {
        RoutingSettings current = this.settings.get();
        List<Candidate<Target>> candidates = new ArrayList<>();
        double remoteWeight = (this.remote != null) ? current.remoteWeightPercent() : 0;
        for (Target target : this.local) {
            candidates.add(new Candidate<>(target.id(), (100 - remoteWeight) / this.local.size(), target));
        }
        if (this.remote != null) {
            candidates.add(new Candidate<>(this.remote.id(), remoteWeight, this.remote));
        }
        return TargetSelector.select(key, candidates,
                (target) -> !current.drained(target.datacenter()) && this.healthy.test(target));
    }

    /**
     * The upstream for a write with a key: as {@link #route(String)}, except in master-slave mode, where only
     * the master datacenter's available processors qualify.
     * @return empty when no upstream can take the write
     */
    public Optional<Target> routeWrite(String key) {
        if (this.writeDatacenter == null) {
            return route(key);
        }
        RoutingSettings current = this.settings.get();
        List<Candidate<Target>> candidates = new ArrayList<>();
        for (Target target : writeTargets()) {
            candidates.add(new Candidate<>(target.id(), 1, target));
        }
        return WeightedRendezvous.choose(key, candidates.stream()
            .filter((candidate) -> !current.drained(candidate.value().datacenter())
                    && this.healthy.test(candidate.value()))
            .toList());
    }

    /** The datacenter that takes every write, or {@code null} when each datacenter takes its own. */
    public Datacenter writeDatacenter() {
        return this.writeDatacenter;
    }

    /** The upstreams writes may go to: every one, or in master-slave mode the master datacenter's. */
    public List<Target> writeTargets() {
        if (this.writeDatacenter == null) {
            return targets();
        }
        return targets().stream().filter((target) -> target.datacenter() == this.writeDatacenter).toList();
    }

    /** The weight each upstream has under the current settings, in percent. */
    public double weightPercent(Target target) {
        double remoteWeight = (this.remote != null) ? this.settings.get().remoteWeightPercent() : 0;
        return target.equals(this.remote) ? remoteWeight : (100 - remoteWeight) / this.local.size();
    }

    /** Local upstreams first, then the remote one. */
    public List<Target> targets() {
        List<Target> all = new ArrayList<>(this.local);
        if (this.remote != null) {
            all.add(this.remote);
        }
        return all;
    }

}
