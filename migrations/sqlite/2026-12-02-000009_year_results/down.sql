DROP TABLE year_result_changes;
DROP TABLE year_results;
