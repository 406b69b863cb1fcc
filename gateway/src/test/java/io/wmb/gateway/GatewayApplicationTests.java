package io.wmb.gateway;

import io.wmb.gateway.config.GatewayRole;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class GatewayApplicationTests {

    @AfterEach
    void clearProperty() {
        System.clearProperty(GatewayApplication.IO_WORKERS_PROPERTY);
        System.clearProperty("wmb.gateway.role");
    }

    @Test
    void shouldReadTheRoleFromTheCommandLineBeforeTheApplicationStarts() {
        assertThat(GatewayApplication.role(new String[] { "--wmb.gateway.role=datacenter" }))
            .isEqualTo(GatewayRole.DATACENTER);
        assertThat(GatewayApplication.role(new String[] { "--server.port=0", "--wmb.gateway.role=DATACENTER" }))
            .isEqualTo(GatewayRole.DATACENTER);
        assertThat(GatewayApplication.role(new String[] { "--wmb.gateway.role=edge" })).isEqualTo(GatewayRole.EDGE);
    }

    @Test
    void shouldReadTheRoleFromASystemPropertyUnlessTheCommandLineSetsIt() {
        System.setProperty("wmb.gateway.role", "datacenter");
        assertThat(GatewayApplication.role(new String[0])).isEqualTo(GatewayRole.DATACENTER);
        assertThat(GatewayApplication.role(new String[] { "--wmb.gateway.role=edge" })).isEqualTo(GatewayRole.EDGE);
    }

    @Test
    void shouldSizeReactorNettysEventLoopsFromTheEnvironment() {
        GatewayApplication.applyIoWorkers(" 1 ");
        assertThat(System.getProperty(GatewayApplication.IO_WORKERS_PROPERTY)).isEqualTo("1");
    }

    @Test
    void shouldKeepReactorNettysDefaultWhenUnsetOrSetByProperty() {
        GatewayApplication.applyIoWorkers(null);
        GatewayApplication.applyIoWorkers("");
        assertThat(System.getProperty(GatewayApplication.IO_WORKERS_PROPERTY)).isNull();
        System.setProperty(GatewayApplication.IO_WORKERS_PROPERTY, "3");
        GatewayApplication.applyIoWorkers("1");
        assertThat(System.getProperty(GatewayApplication.IO_WORKERS_PROPERTY)).isEqualTo("3");
    }

    @Test
    void shouldRefuseANumberThatIsNotPositive() {
        assertThatIllegalArgumentException().isThrownBy(() -> GatewayApplication.applyIoWorkers("0"))
            .withMessageContaining("WMB_GATEWAY_IO_WORKERS");
        assertThatIllegalArgumentException().isThrownBy(() -> GatewayApplication.applyIoWorkers("many"))
            .withMessageContaining("'many'");
    }

    @Test
    void shouldRefuseAnIoUringSwitchThatIsNeitherTrueNorFalse() {
        assertThatIllegalArgumentException().isThrownBy(() -> GatewayApplication.applyIoUring("off"))
            .withMessage("WMB_GATEWAY_IO_URING must be true or false, not 'off'");
    }

}
