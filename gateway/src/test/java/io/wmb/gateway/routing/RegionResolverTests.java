package io.wmb.gateway.routing;

import java.net.InetAddress;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class RegionResolverTests {

    private final RegionResolver resolver = new RegionResolver(
            List.of("127.0.0.0/25=north", "127.0.0.128/25=south", "10.20.0.0/14=south", "2001:db8::/32=south"),
            Region.NORTH);

    @Test
    void shouldPreferTheRegionHeaderInAnyCase() throws Exception {
        assertThat(this.resolver.resolve("South", InetAddress.getByName("127.0.0.1"))).isEqualTo(Region.SOUTH);
    }

    @Test
    void shouldFindTheRegionOfAnAddressInTheTable() throws Exception {
        assertThat(this.resolver.resolve(null, InetAddress.getByName("127.0.0.127"))).isEqualTo(Region.NORTH);
        assertThat(this.resolver.resolve(null, InetAddress.getByName("127.0.0.128"))).isEqualTo(Region.SOUTH);
        assertThat(this.resolver.resolve("", InetAddress.getByName("10.23.255.1"))).isEqualTo(Region.SOUTH);
        assertThat(this.resolver.resolve(null, InetAddress.getByName("10.24.0.1"))).isEqualTo(Region.NORTH);
        assertThat(this.resolver.resolve(null, InetAddress.getByName("2001:db8::7"))).isEqualTo(Region.SOUTH);
    }

    @Test
    void shouldFallBackToTheDefaultRegion() throws Exception {
        assertThat(this.resolver.resolve(null, InetAddress.getByName("192.0.2.1"))).isEqualTo(Region.NORTH);
        assertThat(this.resolver.resolve(null, null)).isEqualTo(Region.NORTH);
    }

    @Test
    void shouldRejectAnUnknownRegionByName() {
        assertThatIllegalArgumentException().isThrownBy(() -> this.resolver.resolve("east", null))
            .withMessageContaining("'east'");
    }

    @Test
    void shouldRejectABadTableEntry() {
        assertThatIllegalArgumentException().isThrownBy(() -> new RegionResolver(List.of("example.com/8=north"),
                Region.NORTH)).withMessageContaining("example.com");
        assertThatIllegalArgumentException().isThrownBy(() -> new RegionResolver(List.of("10.0.0.0/33=north"),
                Region.NORTH)).withMessageContaining("33");
        assertThatIllegalArgumentException().isThrownBy(() -> new RegionResolver(List.of("10.0.0.0/8"),
                Region.NORTH)).withMessageContaining("cidr=region");
    }

}
