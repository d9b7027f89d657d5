-- Every column that holds a value of a closed set (src/domain: Coded) may
-- hold only its codes, whatever writes to the database. The program maps
-- the same sets in src/db/types.rs; a row that breaks them fails to load.

ALTER TABLE bases ADD CONSTRAINT bases_base_type_code CHECK (base_type IN ('iar', 'incubation', 'international'));
ALTER TABLE bases ADD CONSTRAINT bases_channel_code CHECK (channel IN ('city', 'society', 'institution'));
ALTER TABLE bases ADD CONSTRAINT bases_status_code CHECK (status IN ('building', 'rectifying', 'revoked', 'accepting', 'lapsed'));
ALTER TABLE bases ADD CONSTRAINT bases_city_code CHECK (city IN ('郑州市', '开封市', '洛阳市', '平顶山市', '安阳市', '鹤壁市', '新乡市', '焦作市', '濮阳市', '许昌市', '漯河市', '三门峡市', '南阳市', '商丘市', '信阳市', '周口市', '驻马店市', '济源示范区'));
ALTER TABLE base_status_history ADD CONSTRAINT base_status_history_status_code CHECK (status IN ('building', 'rectifying', 'revoked', 'accepting', 'lapsed'));
ALTER TABLE recommending_units ADD CONSTRAINT recommending_units_channel_code CHECK (channel IN ('city', 'society', 'institution'));
ALTER TABLE declared_counts ADD CONSTRAINT declared_counts_indicator_code CHECK (indicator IN ('platform_uploads', 'volunteer_services', 'key_activities', 'incubated_projects', 'roadshow_events', 'overseas_talents', 'international_exchanges'));
ALTER TABLE declared_count_changes ADD CONSTRAINT declared_count_changes_indicator_code CHECK (indicator IN ('platform_uploads', 'volunteer_services', 'key_activities', 'incubated_projects', 'roadshow_events', 'overseas_talents', 'international_exchanges'));
ALTER TABLE activity_records ADD CONSTRAINT activity_records_indicator_code CHECK (indicator IN ('platform_uploads', 'volunteer_services', 'key_activities', 'incubated_projects', 'roadshow_events', 'overseas_talents', 'international_exchanges'));
ALTER TABLE record_totals ADD CONSTRAINT record_totals_indicator_code CHECK (indicator IN ('platform_uploads', 'volunteer_services', 'key_activities', 'incubated_projects', 'roadshow_events', 'overseas_talents', 'international_exchanges'));
ALTER TABLE evaluation_rows ADD CONSTRAINT evaluation_rows_indicator_code CHECK (indicator IN ('platform_uploads', 'volunteer_services', 'key_activities', 'incubated_projects', 'roadshow_events', 'overseas_talents', 'international_exchanges'));
ALTER TABLE evaluation_rows ADD CONSTRAINT evaluation_rows_pace_code CHECK (pace IN ('on_track', 'behind', 'unable', 'not_reported'));
ALTER TABLE evaluation_rows ADD CONSTRAINT evaluation_rows_source_code CHECK (source IN ('declared', 'records', 'none'));
ALTER TABLE users ADD CONSTRAINT users_role_code CHECK (role IN ('province', 'recommender', 'base'));
ALTER TABLE rectifications ADD CONSTRAINT rectifications_outcome_code CHECK (outcome IN ('open', 'proposed', 'passed', 'revoked'));
ALTER TABLE outbox ADD CONSTRAINT outbox_status_code CHECK (status IN ('queued', 'sending', 'sent', 'failed'));
ALTER TABLE job_runs ADD CONSTRAINT job_runs_outcome_code CHECK (outcome IN ('running', 'ok', 'failed', 'abandoned'));
ALTER TABLE imports ADD CONSTRAINT imports_outcome_code CHECK (outcome IN ('pending', 'accepted', 'rejected'));
