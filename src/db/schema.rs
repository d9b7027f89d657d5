//! The portable diesel schema, shared by SQLite and PostgreSQL.
//! Keep it in step with `migrations/sqlite` and `migrations/postgres`.

diesel::table! {
    recommending_units (id) {
        id -> BigInt,
        name -> Text,
        channel -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    imports (id) {
        id -> BigInt,
        file_name -> Text,
        digest -> Text,
        templates -> Text,
        imported_by -> Text,
        imported_at -> Timestamp,
        outcome -> Text,
        row_count -> BigInt,
        problem_count -> BigInt,
        report -> Text,
        stored_path -> Text,
    }
}

diesel::table! {
    bases (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        base_type -> Text,
        host_unit -> Text,
        credit_code -> Text,
        channel -> Text,
        unit_id -> BigInt,
        city -> Text,
        recognised_on -> Date,
        email -> Text,
        status -> Text,
        status_since -> Date,
        cycle_start -> Date,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    base_status_history (id) {
        id -> BigInt,
        base_id -> BigInt,
        status -> Text,
        effective_on -> Date,
        reason -> Text,
        changed_by -> Text,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    declared_counts (id) {
        id -> BigInt,
        base_id -> BigInt,
        year -> Integer,
        indicator -> Text,
        value -> BigInt,
        as_of -> Date,
        import_id -> BigInt,
    }
}

diesel::table! {
    declared_count_changes (id) {
        id -> BigInt,
        base_id -> BigInt,
        year -> Integer,
        indicator -> Text,
        old_value -> Nullable<BigInt>,
        new_value -> Nullable<BigInt>,
        import_id -> BigInt,
        changed_by -> Text,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    activity_records (id) {
        id -> BigInt,
        base_id -> BigInt,
        indicator -> Text,
        occurred_on -> Date,
        year -> Integer,
        quantity -> BigInt,
        title -> Text,
        evidence_url -> Text,
        external_id -> Nullable<Text>,
        record_key -> Text,
        import_id -> BigInt,
    }
}

diesel::table! {
    evaluations (id) {
        id -> BigInt,
        year -> Integer,
        as_of -> Date,
        rulebook -> Text,
        computed_at -> Timestamp,
        base_count -> BigInt,
        pass_count -> BigInt,
        digest -> Text,
    }
}

diesel::table! {
    record_totals (year, base_id, indicator) {
        year -> Integer,
        base_id -> BigInt,
        indicator -> Text,
        quantity -> BigInt,
        records -> BigInt,
        last_on -> Date,
    }
}

diesel::table! {
    evaluation_scorecards (evaluation_id) {
        evaluation_id -> BigInt,
        row_count -> BigInt,
        scorecard -> Binary,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        unit_id -> Nullable<BigInt>,
        base_id -> Nullable<BigInt>,
        email -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        token_hash -> Text,
        user_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        token_hash -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
        label -> Text,
        expires_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    job_runs (id) {
        id -> BigInt,
        job -> Text,
        scheduled_for -> Timestamp,
        claimed_by -> Text,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        outcome -> Text,
        counts -> Text,
        message -> Text,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        dedupe_key -> Text,
        reason -> Text,
        base_id -> Nullable<BigInt>,
        recipients -> Text,
        cc -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        attachment -> Nullable<Binary>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Text,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    rectifications (id) {
        id -> BigInt,
        base_id -> BigInt,
        year -> Integer,
        ordered_on -> Date,
        deadline -> Date,
        ordered_by -> Text,
        outcome -> Text,
        decided_on -> Nullable<Date>,
        decided_by -> Text,
        shortfalls -> Text,
        reason -> Text,
        proposal -> Nullable<Text>,
        extended_from -> Nullable<Date>,
        decision_reason -> Text,
        missing_documents -> Text,
    }
}

diesel::table! {
    recognition_rounds (year) {
        year -> Integer,
        opened_by -> Text,
        opened_at -> Timestamp,
        opens_on -> Nullable<Date>,
        closes_on -> Nullable<Date>,
    }
}

diesel::table! {
    application_reviews (id) {
        id -> BigInt,
        application_id -> BigInt,
        expert -> Text,
        score -> Nullable<Integer>,
        opinion -> Text,
        visited_on -> Nullable<Date>,
        visit_notes -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    application_documents (id) {
        id -> BigInt,
        application_id -> BigInt,
        kind -> Text,
        condition_id -> Nullable<Text>,
        digest -> Text,
        filename -> Text,
        content_type -> Text,
        size -> BigInt,
        uploaded_by -> Text,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    applications (id) {
        id -> BigInt,
        year -> Integer,
        host -> Text,
        credit_code -> Text,
        base_type -> Text,
        channel -> Text,
        unit_id -> BigInt,
        city -> Text,
        registered_on -> Nullable<Date>,
        figures -> Text,
        stage -> Text,
        outcome -> Text,
        base_code -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        publicity_from -> Nullable<Date>,
    }
}

diesel::table! {
    application_objections (id) {
        id -> BigInt,
        application_id -> BigInt,
        objection -> Text,
        recorded_by -> Text,
        recorded_on -> Date,
        resolution -> Nullable<Text>,
        resolved_by -> Nullable<Text>,
        resolved_on -> Nullable<Date>,
    }
}

diesel::table! {
    application_steps (id) {
        id -> BigInt,
        application_id -> BigInt,
        stage -> Text,
        decision -> Text,
        reason -> Text,
        decided_by -> Text,
        decided_at -> Timestamp,
    }
}

diesel::joinable!(bases -> recommending_units (unit_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(base_status_history -> bases (base_id));
diesel::joinable!(declared_counts -> bases (base_id));
diesel::joinable!(declared_count_changes -> bases (base_id));
diesel::joinable!(activity_records -> bases (base_id));
diesel::joinable!(record_totals -> bases (base_id));
diesel::table! {
    year_results (year) {
        year -> Integer,
        status -> Text,
        evaluation_id -> Nullable<BigInt>,
        rulebook -> Text,
        confirmed_at -> Nullable<Timestamp>,
        confirmed_by -> Nullable<Text>,
    }
}

diesel::table! {
    year_result_changes (id) {
        id -> BigInt,
        year -> Integer,
        action -> Text,
        reason -> Text,
        changed_by -> Text,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    reading_confirmations (rulebook, topic) {
        rulebook -> Text,
        topic -> Text,
        status -> Text,
        changed_by -> Text,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    submitted_records (id) {
        id -> BigInt,
        base_id -> BigInt,
        indicator -> Text,
        occurred_on -> Date,
        quantity -> BigInt,
        title -> Text,
        evidence_url -> Text,
        partner -> Text,
        review -> Text,
        entered_by -> Text,
        entered_at -> Timestamp,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        review_reason -> Text,
        record_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    record_attachments (submission_id) {
        submission_id -> BigInt,
        digest -> Text,
        filename -> Text,
        content_type -> Text,
        size -> BigInt,
    }
}

diesel::table! {
    stored_files (digest) {
        digest -> Text,
        size -> BigInt,
        stored_at -> Timestamp,
    }
}

diesel::table! {
    documents (id) {
        id -> BigInt,
        base_id -> BigInt,
        year -> Integer,
        kind -> Text,
        digest -> Text,
        filename -> Text,
        content_type -> Text,
        size -> BigInt,
        status -> Text,
        submitted_by -> Text,
        submitted_at -> Timestamp,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        review_reason -> Text,
    }
}

diesel::joinable!(evaluation_scorecards -> evaluations (evaluation_id));

diesel::allow_tables_to_appear_in_same_query!(
    recognition_rounds,
    applications,
    application_steps,
    application_objections,
    application_reviews,
    application_documents,
    recommending_units,
    imports,
    bases,
    base_status_history,
    declared_counts,
    declared_count_changes,
    activity_records,
    record_totals,
    evaluations,
    evaluation_scorecards,
    year_results,
    submitted_records,
    stored_files,
    documents,
    record_attachments,
    reading_confirmations,
    year_result_changes,
    users,
    sessions,
    api_tokens,
    job_runs,
    outbox,
    rectifications,
);
