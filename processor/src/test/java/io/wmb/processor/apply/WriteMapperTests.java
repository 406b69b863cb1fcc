package io.wmb.processor.apply;

import java.util.Map;

import io.wmb.processor.post.PostState;
import io.wmb.processor.post.Write;
import io.wmb.processor.post.WriteKind;
import io.wmb.proto.v1.PostWrite;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class WriteMapperTests {

    private static Write likeFromTelecom() {
        return new Write("req-1", "telecom", WriteKind.LIKE,
                new PostState(9, 42, "hi", false, 1234, 10, 20, Map.of("telecom", 4L, "unicom", 1L)), 99);
    }

    @Test
    void shouldRoundTripAWrite() {
        Write write = likeFromTelecom();
        PostWrite message = WriteMapper.toProto(write);
        assertThat(message.getKind()).isEqualTo(io.wmb.proto.v1.WriteKind.WRITE_KIND_LIKE);
        assertThat(message.getLikesMap()).containsEntry("telecom", 4L);
        assertThat(WriteMapper.fromProto(message)).isEqualTo(write);
    }

    @Test
    void shouldDropContentOfATombstone() {
        PostWrite message = WriteMapper.toProto(likeFromTelecom()).toBuilder()
            .setKind(io.wmb.proto.v1.WriteKind.WRITE_KIND_DELETE).setDeleted(true).build();
        assertThat(WriteMapper.fromProto(message).state().content()).isEmpty();
    }

    @Test
    void shouldNameTheBadFieldOfAMalformedWrite() {
        PostWrite valid = WriteMapper.toProto(likeFromTelecom());
        assertThatIllegalArgumentException()
            .isThrownBy(() -> WriteMapper.fromProto(valid.toBuilder().setRequestId("").build()))
            .withMessage("request_id must not be empty");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> WriteMapper.fromProto(valid.toBuilder().setOriginDatacenter("mars").build()))
            .withMessageContaining("origin_datacenter must be unicom or telecom, but was 'mars'");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> WriteMapper.fromProto(valid.toBuilder().setVersion(0).build()))
            .withMessageContaining("version must be positive, but was 0");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> WriteMapper.fromProto(valid.toBuilder()
                .setKind(io.wmb.proto.v1.WriteKind.WRITE_KIND_UNSPECIFIED).build()))
            .withMessageContaining("kind must be set");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> WriteMapper.fromProto(valid.toBuilder().putLikes("unicom", -1).build()))
            .withMessageContaining("likes must not be negative");
    }

}
