-- Posts, tombstones included: a deleted post keeps its row (deleted = 1) with the version of the delete,
-- so that a late update with an older version cannot bring it back.
CREATE TABLE posts (
    id            BIGINT        NOT NULL PRIMARY KEY,
    author_id     BIGINT        NOT NULL,
    content       VARCHAR(2000) NOT NULL,
    deleted       BOOLEAN       NOT NULL DEFAULT FALSE,
    version       BIGINT        NOT NULL,
    created_at_ms BIGINT        NOT NULL,
    updated_at_ms BIGINT        NOT NULL,
    INDEX posts_by_author (author_id, deleted, created_at_ms)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- One like counter per post and datacenter. Only the named datacenter increments its counter; copies from the
-- other datacenter merge by maximum, so increments made in both datacenters at once are never lost.
CREATE TABLE post_likes (
    post_id    BIGINT      NOT NULL,
    datacenter VARCHAR(16) NOT NULL,
    likes      BIGINT      NOT NULL,
    PRIMARY KEY (post_id, datacenter)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
