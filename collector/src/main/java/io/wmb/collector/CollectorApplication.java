package io.wmb.collector;

import io.wmb.secretsguard.SecretsGuard;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Entry point of the collector.
 */
@SpringBootApplication
public class CollectorApplication {

    public static void main(String[] args) {
        SecretsGuard.protect(new SpringApplication(CollectorApplication.class)).run(args);
    }

}
