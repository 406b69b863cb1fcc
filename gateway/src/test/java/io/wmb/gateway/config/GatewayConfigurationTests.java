package io.wmb.gateway.config;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNoException;

class GatewayConfigurationTests {

    @Test
    void shouldAcceptTheRoleARolesConfigurationBelongsTo() {
        assertThatNoException().isThrownBy(() -> GatewayConfiguration.checkRole(GatewayRole.EDGE, GatewayRole.EDGE));
        assertThatNoException()
            .isThrownBy(() -> GatewayConfiguration.checkRole(GatewayRole.DATACENTER, GatewayRole.DATACENTER));
    }

    @Test
    void shouldRefuseTheOtherRoleNamingBothAndTheWayOut() {
        assertThatIllegalStateException()
            .isThrownBy(() -> GatewayConfiguration.checkRole(GatewayRole.EDGE, GatewayRole.DATACENTER))
            .withMessageContaining("wmb.gateway.role=datacenter cannot start from the ahead-of-time bean definitions")
            .withMessageContaining("chosen for the edge")
            .withMessageContaining("WMB_GATEWAY_ROLE");
    }

}
