-- Every column that holds a value of a closed set (src/domain: Coded) may
-- hold only its codes, whatever writes to the database. The program maps
-- the same sets in src/db/types.rs; a row that breaks them fails to load.
-- SQLite cannot add a CHECK to an existing table without rebuilding it
-- (and every table that references it), so the same rule is kept by
-- triggers that abort the statement, with the column named.
-- Not on activity_records and record_totals: a trigger runs per written row,
-- and at millions of records a year the one on activity_records alone made
-- the import 1.35 times as long (bench import: 30.9 s against 23.4 s). Both are written only by
-- the importer, through the typed Indicator (src/db/types.rs), and a row
-- that holds anything else fails to load. PostgreSQL checks them (a CHECK
-- costs next to nothing there).

CREATE TRIGGER bases_base_type_code_ins BEFORE INSERT ON bases
WHEN NEW.base_type NOT IN ('iar', 'incubation', 'international')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: bases.base_type'); END;
CREATE TRIGGER bases_base_type_code_upd BEFORE UPDATE OF base_type ON bases
WHEN NEW.base_type NOT IN ('iar', 'incubation', 'international')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: bases.base_type'); END;
CREATE TRIGGER bases_channel_code_ins BEFORE INSERT ON bases
WHEN NEW.channel NOT IN ('city', 'society', 'institution')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: bases.channel'); END;
CREATE TRIGGER bases_channel_code_upd BEFORE UPDATE OF channel ON bases
WHEN NEW.channel NOT IN ('city', 'society', 'institution')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: bases.channel'); END;
CREATE TRIGGER bases_status_code_ins BEFORE INSERT ON bases
WHEN NEW.status NOT IN ('building', 'rectifying', 'revoked', 'accepting', 'lapsed')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: bases.status'); END;
CREATE TRIGGER bases_status_code_upd BEFORE UPDATE OF status ON bases
WHEN NEW.status NOT IN ('building', 'rectifying', 'revoked', 'accepting', 'lapsed')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: bases.status'); END;
CREATE TRIGGER bases_city_code_ins BEFORE INSERT ON bases
WHEN NEW.city NOT IN ('郑州市', '开封市', '洛阳市', '平顶山市', '安阳市', '鹤壁市', '新乡市', '焦作市', '濮阳市', '许昌市', '漯河市', '三门峡市', '南阳市', '商丘市', '信阳市', '周口市', '驻马店市', '济源示范区')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: bases.city'); END;
CREATE TRIGGER bases_city_code_upd BEFORE UPDATE OF city ON bases
WHEN NEW.city NOT IN ('郑州市', '开封市', '洛阳市', '平顶山市', '安阳市', '鹤壁市', '新乡市', '焦作市', '濮阳市', '许昌市', '漯河市', '三门峡市', '南阳市', '商丘市', '信阳市', '周口市', '驻马店市', '济源示范区')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: bases.city'); END;
CREATE TRIGGER base_status_history_status_code_ins BEFORE INSERT ON base_status_history
WHEN NEW.status NOT IN ('building', 'rectifying', 'revoked', 'accepting', 'lapsed')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: base_status_history.status'); END;
CREATE TRIGGER base_status_history_status_code_upd BEFORE UPDATE OF status ON base_status_history
WHEN NEW.status NOT IN ('building', 'rectifying', 'revoked', 'accepting', 'lapsed')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: base_status_history.status'); END;
CREATE TRIGGER recommending_units_channel_code_ins BEFORE INSERT ON recommending_units
WHEN NEW.channel NOT IN ('city', 'society', 'institution')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: recommending_units.channel'); END;
CREATE TRIGGER recommending_units_channel_code_upd BEFORE UPDATE OF channel ON recommending_units
WHEN NEW.channel NOT IN ('city', 'society', 'institution')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: recommending_units.channel'); END;
CREATE TRIGGER declared_counts_indicator_code_ins BEFORE INSERT ON declared_counts
WHEN NEW.indicator NOT IN ('platform_uploads', 'volunteer_services', 'key_activities', 'incubated_projects', 'roadshow_events', 'overseas_talents', 'international_exchanges')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: declared_counts.indicator'); END;
CREATE TRIGGER declared_counts_indicator_code_upd BEFORE UPDATE OF indicator ON declared_counts
WHEN NEW.indicator NOT IN ('platform_uploads', 'volunteer_services', 'key_activities', 'incubated_projects', 'roadshow_events', 'overseas_talents', 'international_exchanges')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: declared_counts.indicator'); END;
CREATE TRIGGER declared_count_changes_indicator_code_ins BEFORE INSERT ON declared_count_changes
WHEN NEW.indicator NOT IN ('platform_uploads', 'volunteer_services', 'key_activities', 'incubated_projects', 'roadshow_events', 'overseas_talents', 'international_exchanges')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: declared_count_changes.indicator'); END;
CREATE TRIGGER declared_count_changes_indicator_code_upd BEFORE UPDATE OF indicator ON declared_count_changes
WHEN NEW.indicator NOT IN ('platform_uploads', 'volunteer_services', 'key_activities', 'incubated_projects', 'roadshow_events', 'overseas_talents', 'international_exchanges')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: declared_count_changes.indicator'); END;
CREATE TRIGGER evaluation_rows_indicator_code_ins BEFORE INSERT ON evaluation_rows
WHEN NEW.indicator NOT IN ('platform_uploads', 'volunteer_services', 'key_activities', 'incubated_projects', 'roadshow_events', 'overseas_talents', 'international_exchanges')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: evaluation_rows.indicator'); END;
CREATE TRIGGER evaluation_rows_indicator_code_upd BEFORE UPDATE OF indicator ON evaluation_rows
WHEN NEW.indicator NOT IN ('platform_uploads', 'volunteer_services', 'key_activities', 'incubated_projects', 'roadshow_events', 'overseas_talents', 'international_exchanges')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: evaluation_rows.indicator'); END;
CREATE TRIGGER evaluation_rows_pace_code_ins BEFORE INSERT ON evaluation_rows
WHEN NEW.pace NOT IN ('on_track', 'behind', 'unable', 'not_reported')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: evaluation_rows.pace'); END;
CREATE TRIGGER evaluation_rows_pace_code_upd BEFORE UPDATE OF pace ON evaluation_rows
WHEN NEW.pace NOT IN ('on_track', 'behind', 'unable', 'not_reported')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: evaluation_rows.pace'); END;
CREATE TRIGGER evaluation_rows_source_code_ins BEFORE INSERT ON evaluation_rows
WHEN NEW.source NOT IN ('declared', 'records', 'none')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: evaluation_rows.source'); END;
CREATE TRIGGER evaluation_rows_source_code_upd BEFORE UPDATE OF source ON evaluation_rows
WHEN NEW.source NOT IN ('declared', 'records', 'none')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: evaluation_rows.source'); END;
CREATE TRIGGER users_role_code_ins BEFORE INSERT ON users
WHEN NEW.role NOT IN ('province', 'recommender', 'base')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: users.role'); END;
CREATE TRIGGER users_role_code_upd BEFORE UPDATE OF role ON users
WHEN NEW.role NOT IN ('province', 'recommender', 'base')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: users.role'); END;
CREATE TRIGGER rectifications_outcome_code_ins BEFORE INSERT ON rectifications
WHEN NEW.outcome NOT IN ('open', 'proposed', 'passed', 'revoked')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: rectifications.outcome'); END;
CREATE TRIGGER rectifications_outcome_code_upd BEFORE UPDATE OF outcome ON rectifications
WHEN NEW.outcome NOT IN ('open', 'proposed', 'passed', 'revoked')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: rectifications.outcome'); END;
CREATE TRIGGER outbox_status_code_ins BEFORE INSERT ON outbox
WHEN NEW.status NOT IN ('queued', 'sending', 'sent', 'failed')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: outbox.status'); END;
CREATE TRIGGER outbox_status_code_upd BEFORE UPDATE OF status ON outbox
WHEN NEW.status NOT IN ('queued', 'sending', 'sent', 'failed')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: outbox.status'); END;
CREATE TRIGGER job_runs_outcome_code_ins BEFORE INSERT ON job_runs
WHEN NEW.outcome NOT IN ('running', 'ok', 'failed', 'abandoned')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: job_runs.outcome'); END;
CREATE TRIGGER job_runs_outcome_code_upd BEFORE UPDATE OF outcome ON job_runs
WHEN NEW.outcome NOT IN ('running', 'ok', 'failed', 'abandoned')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: job_runs.outcome'); END;
CREATE TRIGGER imports_outcome_code_ins BEFORE INSERT ON imports
WHEN NEW.outcome NOT IN ('pending', 'accepted', 'rejected')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: imports.outcome'); END;
CREATE TRIGGER imports_outcome_code_upd BEFORE UPDATE OF outcome ON imports
WHEN NEW.outcome NOT IN ('pending', 'accepted', 'rejected')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: imports.outcome'); END;
