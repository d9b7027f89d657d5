-- A record key is a hex digest or "x:" and an external id: compared byte by
-- byte, never by language. Under a database collation such as en_US.UTF-8
-- or C.UTF-8, every insert into the unique (base_id, record_key) index
-- went through the C library's strcoll and lost abbreviated keys; "C"
-- compares with memcmp.
ALTER TABLE activity_records ALTER COLUMN record_key TYPE TEXT COLLATE "C";
