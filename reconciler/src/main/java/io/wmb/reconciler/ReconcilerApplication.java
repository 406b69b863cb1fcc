package io.wmb.reconciler;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Entry point of the reconciler.
 */
@SpringBootApplication
public class ReconcilerApplication {

    public static void main(String[] args) {
        SpringApplication.run(ReconcilerApplication.class, args);
    }

}
