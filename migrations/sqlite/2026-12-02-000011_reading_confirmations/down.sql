DROP TABLE reading_confirmations;
