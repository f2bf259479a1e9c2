-- hqd schema 16: find the reversal of a payout line without scanning the ledger.
CREATE INDEX payouts_reverses ON payouts(reverses_id);
