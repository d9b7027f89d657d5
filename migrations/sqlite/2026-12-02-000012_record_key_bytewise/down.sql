-- PostgreSQL only: SQLite compares TEXT byte by byte (BINARY) already.
SELECT 1;
