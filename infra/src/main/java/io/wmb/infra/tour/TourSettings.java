package io.wmb.infra.tour;

import java.time.Duration;
import java.util.Optional;

import io.wmb.infra.InfrastructureSettings;

/**
 * Where the running demo listens and how the tour exercises it.
 *
 * @param portOffset {@code WMB_PORT_OFFSET} of the demo: every demo port (8080 the edge, ...) plus this
 * @param operatorToken the edge's and reconcilers' operator token ({@code WMB_OPERATOR_TOKEN})
 * @param users how many users the split is measured over
 * @param shiftPercent the share of the north the tour sends to telecom
 * @param convergeTimeout how long the datacenters may take to agree after the link heals
 * @param repairTimeout how long the reconciler may take to repair the injected gap, beyond the reconcilers' grace
 *     (the tour reads it from their status)
 */
public record TourSettings(int portOffset, String operatorToken, int users, int shiftPercent,
        Duration convergeTimeout, Duration repairTimeout) {

    /** The local demo's operator token (the gateway's and reconciler's default). */
    public static final String DEMO_OPERATOR_TOKEN = "wmb-operator-demo";

    public TourSettings {
        if (portOffset < 0 || portOffset > 30000) {
            throw new IllegalArgumentException("portOffset must be between 0 and 30000, but was " + portOffset);
        }
        if (operatorToken == null || operatorToken.isBlank()) {
            throw new IllegalArgumentException("operatorToken must not be blank");
        }
        if (users < 20 || users > 10000) {
            throw new IllegalArgumentException("users must be between 20 and 10000, but was " + users);
        }
        if (shiftPercent < 1 || shiftPercent > 99) {
            throw new IllegalArgumentException("shiftPercent must be between 1 and 99, but was " + shiftPercent);
        }
    }

    /** The demo as {@code ./wmb up} runs it, from {@code WMB_PORT_OFFSET} and {@code WMB_OPERATOR_TOKEN}. */
    public static TourSettings demo() {
        return forOffset(InfrastructureSettings.demoPortOffset());
    }

    /** The demo at another port offset (the system tests' own), with the environment's operator token. */
    public static TourSettings forOffset(int portOffset) {
        String token = Optional.ofNullable(System.getenv("WMB_OPERATOR_TOKEN")).filter((value) -> !value.isBlank())
            .orElse(DEMO_OPERATOR_TOKEN);
        // 500 users: the share of a 30% shift then has a standard deviation of 2 points, and the tour's +- 10 is
        // about 5 of them. With 200 (3 of them), one CI run in several hundred drew a set of 200 users of whom 19%
        // hash to telecom (checked against the edge's own hashing: exactly the 38 the run saw).
        return new TourSettings(portOffset, token, 500, 30, Duration.ofSeconds(90), Duration.ofSeconds(90));
    }

    /** A demo port moved by the offset, e.g. {@code port(8080)} is the edge. */
    int port(int demoPort) {
        return demoPort + this.portOffset;
    }
}
