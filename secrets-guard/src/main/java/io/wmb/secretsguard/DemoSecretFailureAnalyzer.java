package io.wmb.secretsguard;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Prints a refused demo secret as Boot's short "APPLICATION FAILED TO START" report, not as a stack trace. */
class DemoSecretFailureAnalyzer extends AbstractFailureAnalyzer<DemoSecretException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, DemoSecretException cause) {
        // Each problem starts with its variable's name; a variable may stand behind several properties.
        String variables = String.join(", ", cause.problems().stream()
            .map((problem) -> problem.substring(0, problem.indexOf(' ')))
            .distinct()
            .toList());
        return new FailureAnalysis(cause.getMessage(), "Set " + variables + " to secrets of your own (not blank, not"
                + " the repository's defaults), or do not activate the prod profile.", cause);
    }
}
