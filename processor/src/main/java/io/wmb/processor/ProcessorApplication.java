package io.wmb.processor;

import io.wmb.secretsguard.SecretsGuard;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Entry point of the processor.
 */
@SpringBootApplication
public class ProcessorApplication {

    public static void main(String[] args) {
        SecretsGuard.protect(new SpringApplication(ProcessorApplication.class)).run(args);
    }

}
