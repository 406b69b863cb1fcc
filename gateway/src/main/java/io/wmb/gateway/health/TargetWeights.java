package io.wmb.gateway.health;

import io.wmb.gateway.routing.Target;

/**
 * A target's share of the traffic under the current settings, for the ops API.
 */
@FunctionalInterface
public interface TargetWeights {

    /** The share in percent, or NaN when the target has no fixed share. */
    double weightPercent(Target target);

}
