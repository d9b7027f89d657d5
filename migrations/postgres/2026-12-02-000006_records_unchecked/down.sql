ALTER TABLE activity_records
    ADD CONSTRAINT activity_records_base_id_fkey FOREIGN KEY (base_id) REFERENCES bases (id),
    ADD CONSTRAINT activity_records_import_id_fkey FOREIGN KEY (import_id) REFERENCES imports (id);
