package io.wmb.collector.support;

import java.util.UUID;

import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.WriteKind;

/**
 * Test fixtures: writes as a datacenter's processor would submit them.
 */
public final class Writes {

    private Writes() {
    }

    /**
     * An update of a post accepted in telecom (the peer of a unicom collector).
     * @param postId the post
     * @param version the post's version after the write
     * @return the write, with a fresh requestId
     */
    public static PostWrite updateInTelecom(long postId, long version) {
        return update("telecom", postId, version);
    }

    /**
     * An update of a post accepted in a datacenter.
     * @param origin the datacenter
     * @param postId the post
     * @param version the post's version after the write
     * @return the write, with a fresh requestId
     */
    public static PostWrite update(String origin, long postId, long version) {
        long now = System.currentTimeMillis();
        return PostWrite.newBuilder()
            .setRequestId(UUID.randomUUID().toString())
            .setOriginDatacenter(origin)
            .setKind(WriteKind.WRITE_KIND_UPDATE)
            .setPostId(postId)
            .setVersion(version)
            .setAuthorId(42)
            .setContent("content v" + version)
            .setCreatedAtMs(1_700_000_000_000L)
            .setUpdatedAtMs(now)
            .setAcceptedAtMs(now)
            .build();
    }

}
