package io.wmb.reship;

import io.wmb.secretsguard.SecretsGuard;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Entry point of the reship.
 */
@SpringBootApplication
public class ReshipApplication {

    public static void main(String[] args) {
        SecretsGuard.protect(new SpringApplication(ReshipApplication.class)).run(args);
    }

}
