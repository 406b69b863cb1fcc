package io.wmb.secretsguard;

import java.util.Objects;

/**
 * A secret whose repository default only suits the local demo.
 * @param variable the environment variable that sets it, named in the startup failure
 * @param property the configuration property it ends up in; ending in {@code .*}, every entry of that map
 * @param demoValue the repository's default, refused in production
 */
public record DemoSecret(String variable, String property, String demoValue) {

    /** Validates at once. */
    public DemoSecret {
        Objects.requireNonNull(variable, "variable");
        Objects.requireNonNull(property, "property");
        Objects.requireNonNull(demoValue, "demoValue");
    }

    /** Whether the property is a map whose every entry is such a secret. */
    boolean isMap() {
        return this.property.endsWith(".*");
    }

    /** The property without the map wildcard. */
    String prefix() {
        return isMap() ? this.property.substring(0, this.property.length() - 2) : this.property;
    }
}
