package io.wmb.reship;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Entry point of the reship.
 */
@SpringBootApplication
public class ReshipApplication {

    public static void main(String[] args) {
        SpringApplication.run(ReshipApplication.class, args);
    }

}
