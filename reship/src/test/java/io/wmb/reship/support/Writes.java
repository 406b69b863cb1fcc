package io.wmb.reship.support;

import java.util.UUID;

import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.WriteKind;

/**
 * Test fixtures: writes as the unicom processor would submit them.
 */
public final class Writes {

    private Writes() {
    }

    /**
     * An update of a post by unicom.
     * @param postId the post
     * @param version the post's version after the write
     * @return the write, with a fresh requestId
     */
    public static PostWrite updateInUnicom(long postId, long version) {
        return PostWrite.newBuilder()
            .setRequestId(UUID.randomUUID().toString())
            .setOriginDatacenter("unicom")
            .setKind(WriteKind.WRITE_KIND_UPDATE)
            .setPostId(postId)
            .setVersion(version)
            .setAuthorId(42)
            .setContent("content v" + version)
            .setCreatedAtMs(1_700_000_000_000L)
            .setUpdatedAtMs(System.currentTimeMillis())
            .setAcceptedAtMs(System.currentTimeMillis())
            .build();
    }

}
