package io.wmb.reconciler.web;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import io.wmb.reconciler.deadletter.DeadLetter;
import io.wmb.reconciler.deadletter.DeadLetterService;
import io.wmb.reconciler.job.ReconcileJob;
import io.wmb.reconciler.job.ReconcileStatus;
import io.wmb.reconciler.redrive.RedriveResult;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The reconciler's HTTP API: status (open), scan now, dead-letter list and re-drive (operator token, see
 * {@link OperatorTokenInterceptor}).
 */
@RestController
@RequestMapping("/api/reconciler")
class ReconcilerController {

    private static final int MAX_PAGE = 1000;

    private final ReconcileJob job;

    private final DeadLetterService deadLetters;

    ReconcilerController(ReconcileJob job, DeadLetterService deadLetters) {
        this.job = job;
        this.deadLetters = deadLetters;
    }

    @GetMapping("/status")
    ReconcileStatus status() {
        return this.job.status();
    }

    /**
     * Runs a scan now instead of waiting for the schedule (operator token): for an operator who has just
     * repaired a fault, and for the demo's tour. Only the lease holder scans; the answer says whether this
     * instance was it. The window still trails "now" by the grace period.
     */
    @PostMapping("/scan")
    ReconcileStatus scan() {
        return this.job.runOnce();
    }

    @GetMapping("/dead-letters")
    Map<String, List<DeadLetter>> deadLetters(@RequestParam(defaultValue = "100") int size) throws IOException {
        if (size < 1 || size > MAX_PAGE) {
            throw new IllegalArgumentException("size must be between 1 and " + MAX_PAGE + ", but was " + size);
        }
        return Map.of("deadLetters", this.deadLetters.list(size));
    }

    @PostMapping("/dead-letters/{requestId}/redrive")
    RedriveResult redrive(@PathVariable String requestId) throws IOException {
        if (requestId.isBlank() || requestId.length() > 200) {
            throw new IllegalArgumentException("requestId must be 1 to 200 characters");
        }
        return this.deadLetters.redrive(requestId);
    }

}
