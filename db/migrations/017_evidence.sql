-- hqd schema 17: 证明材料 filed under the label a clause asks for (pack lines "evidence LABEL"),
-- and where an application came from: filed by the applicant or the office ('applied'), or
-- proposed by the office from certified data (免申即享, 'proposed'), which needs no evidence.
ALTER TABLE application_files ADD COLUMN evidence TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN origin TEXT NOT NULL DEFAULT 'applied'
    CHECK (origin IN ('applied', 'proposed'));
