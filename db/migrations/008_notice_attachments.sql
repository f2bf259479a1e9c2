-- hqd schema 8: files attached to a department's answer (反馈) to a notice.
CREATE TABLE notice_attachments (
    id            {{id}},
    notice_id     BIGINT NOT NULL REFERENCES notices(id),
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    data          BLOB NOT NULL,
    uploaded_by   BIGINT NOT NULL REFERENCES users(id),
    uploaded_at   TEXT NOT NULL
);
CREATE INDEX notice_attachments_notice ON notice_attachments(notice_id);
