package io.wmb.secretsguard;

import java.util.List;

/** Thrown at startup in the prod profile while secrets are blank or the repository's demo values. */
public class DemoSecretException extends IllegalStateException {

    private final List<String> problems;

    DemoSecretException(List<String> problems) {
        super("Refusing to start with the prod profile: " + String.join("; ", problems)
                + ". Set your own secrets in the environment (or configuration); the repository's defaults are"
                + " for the local demo only.");
        this.problems = List.copyOf(problems);
    }

    /** One line per offending secret, each naming its environment variable and property. */
    public List<String> problems() {
        return this.problems;
    }
}
