package io.wmb.gateway.health;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.wmb.gateway.routing.Target;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the gateway knows about the health of its targets, from active checks and from failed requests.
 * A target never checked yet counts as available, so that a fresh gateway routes before its first round.
 * {@code rise} successes in a row bring a target back after it was up and went down (it may be flapping); a
 * target that has never been up yet, such as a processor still starting, is up on its first success.
 */
public class HealthRegistry {

    private static final Logger logger = LoggerFactory.getLogger(HealthRegistry.class);

    private final List<Target> targets;

    private final int fall;

    private final int rise;

    private final Clock clock;

    private final Map<String, State> states = new ConcurrentHashMap<>();

    /** Targets that have been up at least once. */
    private final Set<String> upOnce = ConcurrentHashMap.newKeySet();

    public HealthRegistry(List<Target> targets, int fall, int rise, Clock clock) {
        if (fall < 1 || rise < 1) {
            throw new IllegalArgumentException("fall and rise must be >= 1, but were " + fall + " and " + rise);
        }
        this.targets = List.copyOf(targets);
        this.fall = fall;
        this.rise = rise;
        this.clock = clock;
        for (Target target : this.targets) {
            this.states.put(target.id(), new State(Status.UNKNOWN, 0, 0, clock.instant(), "not checked yet"));
        }
    }

    /** All targets this registry watches. */
    public List<Target> targets() {
        return this.targets;
    }

    /** Whether requests may go to the target (up, or not checked yet). */
    public boolean isAvailable(Target target) {
        return state(target).status() != Status.DOWN;
    }

    /** The current state of one target. */
    public State state(Target target) {
        State state = this.states.get(target.id());
        if (state == null) {
            throw new IllegalArgumentException("unknown target '" + target.id() + "'");
        }
        return state;
    }

    /** Records a successful check. */
    public void success(Target target) {
        this.states.compute(target.id(), (id, state) -> {
            int successes = state.successes() + 1;
            boolean risen = successes >= this.rise || !this.upOnce.contains(id);
            Status status = (state.status() == Status.UP || state.status() == Status.UNKNOWN || risen)
                    ? Status.UP : Status.DOWN;
            if (status == Status.UP) {
                this.upOnce.add(id);
            }
            return transition(target, state, status, successes, 0, "ok");
        });
    }

    /** Records a failed check or a failed request. */
    public void failure(Target target, String reason) {
        this.states.compute(target.id(), (id, state) -> {
            int failures = state.failures() + 1;
            Status status = (state.status() == Status.DOWN || failures >= this.fall) ? Status.DOWN : state.status();
            return transition(target, state, status, 0, failures, reason);
        });
    }

    /** Marks a target down at once, e.g. when a request could not even connect. */
    public void markDown(Target target, String reason) {
        this.states.compute(target.id(), (id, state) -> transition(target, state, Status.DOWN, 0, this.fall, reason));
    }

    private State transition(Target target, State state, Status status, int successes, int failures, String detail) {
        Instant since = state.since();
        if (status != state.status()) {
            since = this.clock.instant();
            if (status == Status.DOWN) {
                logger.warn("{} ({}) is down: {}", target.id(), target.uri(), detail);
            }
            else {
                logger.info("{} ({}) is up", target.id(), target.uri());
            }
        }
        return new State(status, successes, failures, since, detail);
    }

    /** Health of a target. */
    public enum Status {

        /** Not checked yet: treated as available. */
        UNKNOWN,

        /** Answered its health check. */
        UP,

        /** Failed its health checks or refused a connection. */
        DOWN

    }

    /**
     * The state of one target.
     *
     * @param status up, down or unknown
     * @param successes consecutive successful checks
     * @param failures consecutive failed checks
     * @param since when the status last changed
     * @param detail the last check's result
     */
    public record State(Status status, int successes, int failures, Instant since, String detail) {

    }

}
