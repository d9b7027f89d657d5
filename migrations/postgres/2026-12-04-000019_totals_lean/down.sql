ALTER TABLE record_totals
    ADD CONSTRAINT record_totals_base_id_fkey FOREIGN KEY (base_id) REFERENCES bases (id);
CREATE INDEX record_totals_base ON record_totals (base_id, year);
