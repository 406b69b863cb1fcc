package io.wmb.gateway;

import io.wmb.secretsguard.SecretsGuard;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Entry point of the gateway.
 */
@SpringBootApplication
public class GatewayApplication {

    public static void main(String[] args) {
        SecretsGuard.protect(new SpringApplication(GatewayApplication.class)).run(args);
    }

}
