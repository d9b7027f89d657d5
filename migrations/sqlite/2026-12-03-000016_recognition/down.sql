DROP TABLE application_steps;
DROP TABLE applications;
DROP TABLE recognition_rounds;
