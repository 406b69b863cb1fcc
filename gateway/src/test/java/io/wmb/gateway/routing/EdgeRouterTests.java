package io.wmb.gateway.routing;

import java.net.URI;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import io.wmb.gateway.settings.RoutingSettings;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class EdgeRouterTests {

    private static final int USERS = 10_000;

    private final Target unicom = new Target("unicom", URI.create("http://127.0.0.1:8081"), Datacenter.UNICOM);

    private final Target telecom = new Target("telecom", URI.create("http://127.0.0.1:8082"), Datacenter.TELECOM);

    private final AtomicReference<RoutingSettings> settings = new AtomicReference<>(settings(0, 0));

    private final Set<Target> down = new HashSet<>();

    private final EdgeRouter router = new EdgeRouter(Map.of(Datacenter.UNICOM, this.unicom, Datacenter.TELECOM,
            this.telecom), this.settings::get, (target) -> !this.down.contains(target));

    @Nested
    class Ratio {

        @Test
        void shouldSendEveryUserHomeWithoutShift() {
            assertThat(shareRoutedTo(Region.NORTH, telecom)).isZero();
            assertThat(shareRoutedTo(Region.SOUTH, unicom)).isZero();
        }

        @Test
        void shouldShiftTheConfiguredShareOfARegionWithinTwoPercent() {
            for (double percent : new double[] { 10, 25, 50, 90 }) {
                settings.set(settings(percent, 0));
                assertThat(shareRoutedTo(Region.NORTH, telecom) * 100).as("north shifted at " + percent + "%")
                    .isCloseTo(percent, within(2.0));
                assertThat(shareRoutedTo(Region.SOUTH, unicom)).isZero();
            }
        }

        @Test
        void shouldShiftTheSouthIndependently() {
            settings.set(settings(0, 30));
            assertThat(shareRoutedTo(Region.SOUTH, unicom) * 100).isCloseTo(30, within(2.0));
            assertThat(shareRoutedTo(Region.NORTH, telecom)).isZero();
        }

        @Test
        void shouldSendEveryUserAwayAtOneHundredPercent() {
            settings.set(settings(100, 0));
            assertThat(shareRoutedTo(Region.NORTH, telecom)).isEqualTo(1.0);
        }

    }

    @Nested
    class Stickiness {

        @Test
        void shouldKeepEachUserOnOneDatacenterAcrossRequestsAndRouters() {
            settings.set(settings(40, 0));
            EdgeRouter restarted = new EdgeRouter(Map.of(Datacenter.UNICOM, unicom, Datacenter.TELECOM, telecom),
                    settings::get, (target) -> true);
            for (int user = 0; user < 2_000; user++) {
                Target first = router.route(Region.NORTH, key(user)).orElseThrow();
                assertThat(router.route(Region.NORTH, key(user))).contains(first);
                assertThat(restarted.route(Region.NORTH, key(user))).contains(first);
            }
        }

        @Test
        void shouldMoveOnlyAboutTheChangeOfTheRatioAndOnlyAway() {
            settings.set(settings(10, 0));
            Target[] before = routeAll(Region.NORTH);
            settings.set(settings(20, 0));
            Target[] after = routeAll(Region.NORTH);
            int moved = 0;
            for (int user = 0; user < USERS; user++) {
                if (!before[user].equals(after[user])) {
                    moved++;
                    assertThat(before[user]).as("a raised shift only moves users away from home").isEqualTo(unicom);
                }
            }
            assertThat(moved * 100.0 / USERS).isCloseTo(10, within(1.5));
        }

    }

    @Nested
    class Failover {

        @Test
        void shouldSendARegionToTheOtherDatacenterWhileItsHomeIsDownAndBackAfter() {
            settings.set(settings(10, 0));
            Target[] before = routeAll(Region.NORTH);
            down.add(unicom);
            assertThat(shareRoutedTo(Region.NORTH, telecom)).isEqualTo(1.0);
            down.clear();
            assertThat(routeAll(Region.NORTH)).containsExactly(before);
        }

        @Test
        void shouldSendNothingToADrainedDatacenter() {
            settings.set(new RoutingSettings(new RoutingSettings.Shift(0, 50), 0,
                    new RoutingSettings.Drained(true, false), 0));
            assertThat(shareRoutedTo(Region.NORTH, telecom)).isEqualTo(1.0);
            assertThat(shareRoutedTo(Region.SOUTH, telecom)).isEqualTo(1.0);
        }

        @Test
        void shouldHaveNoRouteWhenBothAreDown() {
            down.add(unicom);
            down.add(telecom);
            assertThat(router.route(Region.NORTH, key(1))).isEmpty();
        }

    }

    private double shareRoutedTo(Region region, Target target) {
        int hits = 0;
        for (Target routed : routeAll(region)) {
            if (routed.equals(target)) {
                hits++;
            }
        }
        return (double) hits / USERS;
    }

    private Target[] routeAll(Region region) {
        Target[] routed = new Target[USERS];
        for (int user = 0; user < USERS; user++) {
            routed[user] = this.router.route(region, key(user)).orElseThrow();
        }
        return routed;
    }

    private static String key(int user) {
        return "user:" + user;
    }

    static RoutingSettings settings(double north, double south) {
        return new RoutingSettings(new RoutingSettings.Shift(north, south), 0, null, 0);
    }

}
