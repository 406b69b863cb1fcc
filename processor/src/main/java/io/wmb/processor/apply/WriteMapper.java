package io.wmb.processor.apply;

import io.wmb.processor.post.PostState;
import io.wmb.processor.post.Write;
import io.wmb.processor.post.WriteKind;
import io.wmb.proto.v1.PostWrite;

/**
 * Converts writes between the wire ({@code wmb.v1.PostWrite}) and the domain.
 */
public final class WriteMapper {

    private WriteMapper() {
    }

    /**
     * The wire form of a write.
     * @param write the write
     * @return the message
     */
    public static PostWrite toProto(Write write) {
        return toProto(write.state(), write.requestId(), write.origin(), toProto(write.kind()), write.acceptedAtMs());
    }

    /**
     * The wire form of a state.
     * @param state the state
     * @param requestId the request id ("" for a fetched state)
     * @param origin the origin datacenter
     * @param kind the kind
     * @param acceptedAtMs when the write was accepted
     * @return the message
     */
    public static PostWrite toProto(PostState state, String requestId, String origin,
            io.wmb.proto.v1.WriteKind kind, long acceptedAtMs) {
        return PostWrite.newBuilder()
            .setRequestId(requestId)
            .setOriginDatacenter(origin)
            .setKind(kind)
            .setPostId(state.id())
            .setVersion(state.version())
            .setAuthorId(state.authorId())
            .setContent(state.content())
            .setDeleted(state.deleted())
            .setCreatedAtMs(state.createdAtMs())
            .setUpdatedAtMs(state.updatedAtMs())
            .putAllLikes(state.likes())
            .setAcceptedAtMs(acceptedAtMs)
            .build();
    }

    /**
     * The domain form of a write from the wire; checks what the wire format cannot.
     * @param message the message
     * @return the write
     * @throws IllegalArgumentException naming the bad field
     */
    public static Write fromProto(PostWrite message) {
        if (message.getRequestId().isBlank()) {
            throw new IllegalArgumentException("request_id must not be empty");
        }
        if (!"unicom".equals(message.getOriginDatacenter()) && !"telecom".equals(message.getOriginDatacenter())) {
            throw new IllegalArgumentException("origin_datacenter must be unicom or telecom, but was '"
                    + message.getOriginDatacenter() + "' (request " + message.getRequestId() + ")");
        }
        if (message.getPostId() <= 0) {
            throw new IllegalArgumentException("post_id must be positive, but was " + message.getPostId()
                    + " (request " + message.getRequestId() + ")");
        }
        if (message.getVersion() <= 0) {
            throw new IllegalArgumentException("version must be positive, but was " + message.getVersion()
                    + " (request " + message.getRequestId() + ")");
        }
        for (var entry : message.getLikesMap().entrySet()) {
            if (entry.getValue() < 0) {
                throw new IllegalArgumentException("likes must not be negative, but " + entry.getKey() + " was "
                        + entry.getValue() + " (request " + message.getRequestId() + ")");
            }
        }
        PostState state = new PostState(message.getPostId(), message.getAuthorId(),
                message.getDeleted() ? "" : message.getContent(), message.getDeleted(), message.getVersion(),
                message.getCreatedAtMs(), message.getUpdatedAtMs(), message.getLikesMap());
        return new Write(message.getRequestId(), message.getOriginDatacenter(), fromProto(message.getKind()),
                state, message.getAcceptedAtMs());
    }

    static io.wmb.proto.v1.WriteKind toProto(WriteKind kind) {
        return switch (kind) {
            case CREATE -> io.wmb.proto.v1.WriteKind.WRITE_KIND_CREATE;
            case UPDATE -> io.wmb.proto.v1.WriteKind.WRITE_KIND_UPDATE;
            case DELETE -> io.wmb.proto.v1.WriteKind.WRITE_KIND_DELETE;
            case LIKE -> io.wmb.proto.v1.WriteKind.WRITE_KIND_LIKE;
            case RECONCILE -> io.wmb.proto.v1.WriteKind.WRITE_KIND_RECONCILE;
        };
    }

    static WriteKind fromProto(io.wmb.proto.v1.WriteKind kind) {
        return switch (kind) {
            case WRITE_KIND_CREATE -> WriteKind.CREATE;
            case WRITE_KIND_UPDATE -> WriteKind.UPDATE;
            case WRITE_KIND_DELETE -> WriteKind.DELETE;
            case WRITE_KIND_LIKE -> WriteKind.LIKE;
            case WRITE_KIND_RECONCILE -> WriteKind.RECONCILE;
            default -> throw new IllegalArgumentException("kind must be set, but was " + kind);
        };
    }

}
