-- hqd schema 16: find the reversal of a payout line without scanning the ledger.
CREATE INDEX IF NOT EXISTS payouts_reverses ON payouts(reverses_id);
