package io.wmb.gateway;

import java.util.Arrays;
import java.util.stream.Stream;

/**
 * The gateway in the datacenter role, under a name of its own for Spring AOT: the build runs {@code process-aot}
 * once for {@link GatewayApplication} (the edge, the default role) and once for this class, so each role gets
 * bean definitions generated with its own conditions ({@code GatewayApplication__ApplicationContextInitializer}
 * and {@code DatacenterGatewayApplication__ApplicationContextInitializer}). {@link GatewayApplication#main} picks
 * this one at run time when the role is {@code datacenter}; nobody needs to start this class by name.
 */
public final class DatacenterGatewayApplication {

    private DatacenterGatewayApplication() {
    }

    public static void main(String[] args) {
        // Last on the command line, so it wins over an earlier --wmb.gateway.role (this class is this role).
        GatewayApplication.start(DatacenterGatewayApplication.class,
                Stream.concat(Arrays.stream(args), Stream.of("--wmb.gateway.role=datacenter")).toArray(String[]::new));
    }

}
