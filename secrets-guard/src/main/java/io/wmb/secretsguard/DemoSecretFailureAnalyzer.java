package io.wmb.secretsguard;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Prints a refused demo secret as Boot's short "APPLICATION FAILED TO START" report, not as a stack trace. */
class DemoSecretFailureAnalyzer extends AbstractFailureAnalyzer<DemoSecretException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, DemoSecretException cause) {
        return new FailureAnalysis(cause.getMessage(), "Set "
                + String.join(", ", cause.problems().stream().map((p) -> p.substring(0, p.indexOf(' '))).toList())
                + " to values of your own (not blank, not the repository's defaults), or do not activate the prod"
                + " profile.", cause);
    }
}
