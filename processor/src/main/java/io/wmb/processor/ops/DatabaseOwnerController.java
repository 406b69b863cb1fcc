package io.wmb.processor.ops;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

import io.wmb.processor.config.ProcessorProperties;
import io.wmb.processor.store.PostStore;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.http.HttpHeaders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Operations endpoint for a failover: which datacenter writes MySQL. Reading is open; a change needs
 * {@code Authorization: Bearer <WMB_OPERATOR_TOKEN>}, because a wrong owner makes both datacenters write (or neither).
 * Becoming the owner copies the cache into MySQL first (see {@link PostStore#adoptCache()}), before the answer.
 */
@RestController
@RequestMapping("/ops/database-owner")
class DatabaseOwnerController {

    private static final Logger log = LoggerFactory.getLogger(DatabaseOwnerController.class);

    private final MasterOwnership ownership;

    private final PostStore store;

    private final String datacenter;

    private final byte[] operatorToken;

    DatabaseOwnerController(MasterOwnership ownership, PostStore store, ProcessorProperties properties) {
        this.ownership = ownership;
        this.store = store;
        this.datacenter = properties.datacenter();
        this.operatorToken = properties.operatorToken().getBytes(StandardCharsets.UTF_8);
    }

    @GetMapping
    DatabaseOwner get() {
        return new DatabaseOwner(datacenter, ownership.ownsMaster());
    }

    @PutMapping
    DatabaseOwner put(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization,
            @Valid @RequestBody DatabaseOwnerChange change) {
        requireOperator(authorization);
        ownership.set(change.ownsMaster());
        if (change.ownsMaster()) {
            // Also when it owned the master already: a retry after a failed copy goes on with what is still pinned
            // (a post is unpinned once MySQL holds it); newer version wins, so copying twice changes nothing.
            long started = System.nanoTime();
            long posts = store.adoptCache();
            log.info("Now the owner of the MySQL master: the {} posts pinned in the cache are in MySQL ({} ms)", posts,
                    (System.nanoTime() - started) / 1_000_000);
        }
        return get();
    }

    private void requireOperator(String authorization) {
        String prefix = "Bearer ";
        if (authorization == null || !authorization.startsWith(prefix)) {
            throw new OperatorTokenException("Changing the database owner needs Authorization: Bearer <operator token>");
        }
        // Constant-time comparison: the time taken tells nothing about how much of the token was right.
        byte[] given = authorization.substring(prefix.length()).trim().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, this.operatorToken)) {
            throw new OperatorTokenException("The operator token is wrong");
        }
    }

    /**
     * The current ownership.
     *
     * @param datacenter this datacenter
     * @param ownsMaster whether it writes MySQL
     */
    record DatabaseOwner(String datacenter, boolean ownsMaster) {
    }

    /**
     * A change of ownership.
     *
     * @param ownsMaster whether this datacenter writes MySQL from now on
     */
    record DatabaseOwnerChange(@NotNull Boolean ownsMaster) {
    }

}
