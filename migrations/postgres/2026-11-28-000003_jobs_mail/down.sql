DROP TABLE outbox;
DROP TABLE job_runs;
