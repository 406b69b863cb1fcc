package io.wmb.gateway.routing;

import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import io.wmb.gateway.settings.RoutingSettings;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class UpstreamRouterTests {

    private static final int USERS = 10_000;

    private final Target first = processor("unicom@a", 8101, Datacenter.UNICOM);

    private final Target second = processor("unicom@b", 8103, Datacenter.UNICOM);

    private final Target remote = processor("telecom@link", 18102, Datacenter.TELECOM);

    private final AtomicReference<RoutingSettings> settings = new AtomicReference<>(remoteWeight(0));

    private final Set<Target> down = new HashSet<>();

    private final UpstreamRouter router = new UpstreamRouter(List.of(this.first, this.second), this.remote,
            this.settings::get, (target) -> !this.down.contains(target));

    @Test
    void shouldSplitLocalTrafficEquallyAndSendTheRemoteWeightAcross() {
        this.settings.set(remoteWeight(20));
        assertThat(share(this.remote) * 100).isCloseTo(20, within(2.0));
        assertThat(share(this.first) * 100).isCloseTo(40, within(2.0));
        assertThat(share(this.second) * 100).isCloseTo(40, within(2.0));
        assertThat(this.router.weightPercent(this.first)).isEqualTo(40);
    }

    @Test
    void shouldSpreadAFailedUpstreamsUsersOverTheOthersAndKeepEveryoneElse() {
        this.settings.set(remoteWeight(10));
        Target[] before = routeAll();
        this.down.add(this.first);
        Target[] during = routeAll();
        for (int user = 0; user < USERS; user++) {
            if (!before[user].equals(this.first)) {
                assertThat(during[user]).isEqualTo(before[user]);
            }
            assertThat(during[user]).isNotEqualTo(this.first);
        }
    }

    @Test
    void shouldUseTheRemoteUpstreamWhenEveryLocalOneIsDownEvenAtWeightZero() {
        this.down.add(this.first);
        this.down.add(this.second);
        assertThat(share(this.remote)).isEqualTo(1.0);
        this.down.clear();
        assertThat(share(this.remote)).isZero();
    }

    @Test
    void shouldRouteAroundALocallyDrainedDatacenter() {
        this.settings.set(new RoutingSettings(null, 0, new RoutingSettings.Drained(true, false), 0));
        assertThat(share(this.remote)).isEqualTo(1.0);
    }

    @Test
    void shouldSendEveryWriteOfTheSlaveDatacenterToTheMasterWhateverTheWeights() {
        UpstreamRouter slave = new UpstreamRouter(List.of(this.first, this.second), this.remote, this.settings::get,
                (target) -> !this.down.contains(target), Datacenter.TELECOM);
        for (int user = 0; user < 1000; user++) {
            assertThat(slave.routeWrite("user:" + user)).contains(this.remote);
            assertThat(slave.route("user:" + user)).isNotEqualTo(Optional.of(this.remote));
        }
    }

    @Test
    void shouldRefuseAWriteRatherThanTakeItOutsideTheMasterDatacenter() {
        UpstreamRouter slave = new UpstreamRouter(List.of(this.first, this.second), this.remote, this.settings::get,
                (target) -> !this.down.contains(target), Datacenter.TELECOM);
        this.down.add(this.remote);
        assertThat(slave.routeWrite("user:1")).isEmpty();
        assertThat(slave.route("user:1")).isPresent();
    }

    @Test
    void shouldKeepTheMasterDatacentersWritesLocalEvenWithARemoteWeight() {
        this.settings.set(remoteWeight(100));
        UpstreamRouter master = new UpstreamRouter(List.of(this.first, this.second), this.remote, this.settings::get,
                (target) -> !this.down.contains(target), Datacenter.UNICOM);
        Set<Target> chosen = new HashSet<>();
        for (int user = 0; user < 1000; user++) {
            chosen.add(master.routeWrite("user:" + user).orElseThrow());
        }
        assertThat(chosen).containsExactlyInAnyOrder(this.first, this.second);
        assertThat(master.writeTargets()).containsExactly(this.first, this.second);
    }

    @Test
    void shouldRouteWritesLikeReadsInIndependentMode() {
        this.settings.set(remoteWeight(30));
        for (int user = 0; user < 1000; user++) {
            assertThat(this.router.routeWrite("user:" + user)).isEqualTo(this.router.route("user:" + user));
        }
    }

    private double share(Target target) {
        int hits = 0;
        for (Target routed : routeAll()) {
            if (routed.equals(target)) {
                hits++;
            }
        }
        return (double) hits / USERS;
    }

    private Target[] routeAll() {
        Target[] routed = new Target[USERS];
        for (int user = 0; user < USERS; user++) {
            routed[user] = this.router.route("user:" + user).orElseThrow();
        }
        return routed;
    }

    private static Target processor(String id, int port, Datacenter datacenter) {
        return new Target(id, URI.create("http://127.0.0.1:" + port), datacenter);
    }

    private static RoutingSettings remoteWeight(double percent) {
        return new RoutingSettings(null, percent, null, 0);
    }

}
