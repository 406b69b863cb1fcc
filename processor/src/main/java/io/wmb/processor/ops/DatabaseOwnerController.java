package io.wmb.processor.ops;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

import io.wmb.processor.config.ProcessorProperties;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Operations endpoint for a failover: which datacenter writes MySQL.
 */
@RestController
@RequestMapping("/ops/database-owner")
class DatabaseOwnerController {

    private final MasterOwnership ownership;

    private final String datacenter;

    DatabaseOwnerController(MasterOwnership ownership, ProcessorProperties properties) {
        this.ownership = ownership;
        this.datacenter = properties.datacenter();
    }

    @GetMapping
    DatabaseOwner get() {
        return new DatabaseOwner(datacenter, ownership.ownsMaster());
    }

    @PutMapping
    DatabaseOwner put(@Valid @RequestBody DatabaseOwnerChange change) {
        ownership.set(change.ownsMaster());
        return get();
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
