CREATE TRIGGER evaluation_rows_indicator_code_ins BEFORE INSERT ON evaluation_rows
WHEN NEW.indicator NOT IN ('platform_uploads', 'volunteer_services', 'key_activities', 'incubated_projects', 'roadshow_events', 'overseas_talents', 'international_exchanges')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: evaluation_rows.indicator'); END;
CREATE TRIGGER evaluation_rows_pace_code_ins BEFORE INSERT ON evaluation_rows
WHEN NEW.pace NOT IN ('on_track', 'behind', 'unable', 'not_reported')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: evaluation_rows.pace'); END;
CREATE TRIGGER evaluation_rows_source_code_ins BEFORE INSERT ON evaluation_rows
WHEN NEW.source NOT IN ('declared', 'records', 'none')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: evaluation_rows.source'); END;
