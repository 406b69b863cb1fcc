package io.wmb.reconciler;

import io.wmb.secretsguard.SecretsGuard;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * Entry point of the reconciler: one per datacenter; the lease lets only one of them act at a time.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class ReconcilerApplication {

    public static void main(String[] args) {
        SecretsGuard.protect(new SpringApplication(ReconcilerApplication.class)).run(args);
    }

}
