package io.wmb.reconciler.deadletter;

import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;

import io.wmb.reconciler.redrive.RedriveFailedException;
import io.wmb.reconciler.redrive.RedriveResult;
import io.wmb.reconciler.redrive.Redriver;
import io.wmb.reconciler.scan.ProcessingLogScanner;
import io.wmb.reconciler.scan.Verdict;

/**
 * The operator's side of the dead-letter list: list it, and re-drive one entry on demand.
 */
public final class DeadLetterService {

    private final DeadLetterRepository repository;

    private final ProcessingLogScanner scanner;

    private final Redriver redriver;

    private final Clock clock;

    /**
     * A service.
     * @param repository the list
     * @param scanner judges the request afresh from the processing log before re-driving it
     * @param redriver re-drives
     * @param clock the time
     */
    public DeadLetterService(DeadLetterRepository repository, ProcessingLogScanner scanner, Redriver redriver,
            Clock clock) {
        this.repository = repository;
        this.scanner = scanner;
        this.redriver = redriver;
        this.clock = clock;
    }

    /**
     * The newest entries first.
     * @param size the most entries
     * @return the entries
     * @throws IOException when Elasticsearch cannot be reached
     */
    public List<DeadLetter> list(int size) throws IOException {
        return this.repository.list(size);
    }

    /**
     * Re-drives one entry; takes it off the list when it succeeds, records the new failure when it does not.
     * @param requestId the request
     * @return what the re-drive did
     * @throws DeadLetterNotFoundException when the request is not on the list
     * @throws RedriveFailedException when the re-drive failed again
     * @throws IOException when Elasticsearch cannot be reached
     */
    public RedriveResult redrive(String requestId) throws IOException {
        DeadLetter deadLetter = this.repository.find(requestId)
                .orElseThrow(() -> new DeadLetterNotFoundException(requestId));
        // The log may have moved on since (a late record, a repair by hand): re-drive only what is still missing.
        Map<String, Verdict> fresh = this.scanner.judge(List.of(requestId));
        Verdict verdict = fresh.getOrDefault(requestId, deadLetter.verdict());
        if (verdict.settled()) {
            this.repository.delete(requestId);
            return new RedriveResult(requestId, false, null, 0, false);
        }
        try {
            RedriveResult result = this.redriver.redriveWithRetries(verdict);
            this.repository.delete(requestId);
            return result;
        }
        catch (RedriveFailedException ex) {
            this.repository.save(new DeadLetter(requestId, verdict.origin(), verdict.postId(), verdict.version(),
                    verdict.firstAt(), verdict.localDone(), verdict.remoteDone(), ex.getCause().getMessage(),
                    deadLetter.attempts() + ex.attempts(), this.clock.instant()));
            throw ex;
        }
    }

}
