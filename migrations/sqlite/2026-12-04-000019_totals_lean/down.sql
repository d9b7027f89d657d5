CREATE INDEX record_totals_base ON record_totals (base_id, year);
