use super::*;

fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |k| {
        pairs
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    }
}

#[test]
fn defaults_are_an_sqlite_file_and_the_embedded_rulebook() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.toml");
    // An explicit file must exist; with no file at all defaults apply.
    assert!(Settings::load_from(Some(&missing), env(&[])).is_err());
    let s = Settings::load_from(None, env(&[("BASEWATCH_CONFIG_UNUSED", "")])).unwrap();
    assert!(s.database_url.starts_with("sqlite://") || s.database_url.starts_with("postgres"));
    assert_eq!(s.rulebook.id, "henan-kczy");
}

#[test]
fn an_environment_variable_overrides_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("b.toml");
    std::fs::write(&f, "database_url = \"sqlite://a.db\"\n").unwrap();
    let s = Settings::load_from(
        Some(&f),
        env(&[("BASEWATCH_DATABASE_URL", "postgres://x@127.0.0.1/y")]),
    )
    .unwrap();
    assert_eq!(s.database_url, "postgres://x@127.0.0.1/y");
}

#[test]
fn a_bad_database_url_names_the_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("b.toml");
    std::fs::write(&f, "database_url = \"mysql://x\"\n").unwrap();
    let msg = Settings::load_from(Some(&f), env(&[]))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("b.toml") && msg.contains("database_url"),
        "{msg}"
    );
}

#[test]
fn proxies_pool_size_and_job_files_are_read_once_and_named_when_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("c.toml");
    std::fs::write(
        &f,
        "database_url = \"postgres://bw:pw@h/db?password=pw\"\ntrusted_proxies = [\"10.0.0.0/8\", \"::1\"]\npool_size = 4\n",
    )
    .unwrap();
    let s = Settings::load_from(Some(&f), env(&[])).unwrap();
    assert_eq!((s.trusted_proxies.len(), s.pool_size), (2, 4));
    assert!(
        s.jobs.iter().any(|j| j.name == "early-warning"),
        "built-in jobs"
    );

    let msg = Settings::load_from(
        Some(&f),
        env(&[("BASEWATCH_TRUSTED_PROXIES", "10.0.0.0/40")]),
    )
    .unwrap_err()
    .to_string();
    assert!(
        msg.contains("BASEWATCH_TRUSTED_PROXIES") && msg.contains("trusted_proxies"),
        "{msg}"
    );
    let msg = Settings::load_from(Some(&f), env(&[("BASEWATCH_POOL_SIZE", "0")]))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("pool_size"), "{msg}");

    let jobs = dir.path().join("jobs");
    std::fs::create_dir_all(&jobs).unwrap();
    std::fs::write(
        jobs.join("broken.toml"),
        "name = \"x\"\nkind = \"nonsense\"\n",
    )
    .unwrap();
    let msg = Settings::load_from(
        Some(&f),
        env(&[("BASEWATCH_JOBS_DIR", jobs.to_str().unwrap())]),
    )
    .unwrap_err()
    .to_string();
    assert!(msg.contains("broken.toml"), "{msg}");
    assert!(!msg.contains("pw@"), "{msg}");
}

#[test]
fn an_unknown_key_in_the_file_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("b.toml");
    std::fs::write(&f, "\ndatabase_ulr = \"sqlite://a.db\"\n").unwrap();
    let msg = Settings::load_from(Some(&f), env(&[]))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("b.toml") && msg.contains("database_ulr"),
        "{msg}"
    );
    assert!(msg.contains("line 2"), "{msg}");
}

#[test]
fn the_upload_limit_defaults_to_64_mib_and_is_validated() {
    let s = Settings::load_from(None, env(&[])).unwrap();
    assert_eq!(s.max_upload_bytes, 64 * 1024 * 1024);
    let s = Settings::load_from(None, env(&[("BASEWATCH_MAX_UPLOAD_BYTES", "1048576")])).unwrap();
    assert_eq!(s.max_upload_bytes, 1_048_576);
    for bad in ["0", "12", "64MiB", "-1", "99999999999999"] {
        let msg = Settings::load_from(None, env(&[("BASEWATCH_MAX_UPLOAD_BYTES", bad)]))
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("BASEWATCH_MAX_UPLOAD_BYTES") && msg.contains("max_upload_bytes"),
            "{bad}: {msg}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("b.toml");
    std::fs::write(&f, "max_upload_bytes = 2048\n").unwrap();
    assert_eq!(
        Settings::load_from(Some(&f), env(&[]))
            .unwrap()
            .max_upload_bytes,
        2048
    );
}

#[test]
fn variables_lay_over_the_file_key_by_key_with_their_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("b.toml");
    std::fs::write(
        &f,
        "pool_size = 4\nmail_from = \"a@b.cn\"\n[charts]\nfont_path = \"/f.ttf\"\n",
    )
    .unwrap();
    let s = Settings::load_from(
        Some(&f),
        env(&[
            ("BASEWATCH_COOKIE_SECURE", "yes"),
            ("BASEWATCH_FONT_PATH", "/g.ttf"),
            ("BASEWATCH_TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/16"),
        ]),
    )
    .unwrap();
    assert!(s.cookie_secure);
    assert_eq!(s.font_path.as_deref(), Some(Path::new("/g.ttf")));
    assert_eq!((s.pool_size, s.mail_from.as_str()), (4, "a@b.cn"));
    assert_eq!(s.trusted_proxies.len(), 2);
    let msg = Settings::load_from(Some(&f), env(&[("BASEWATCH_COOKIE_SECURE", "maybe")]))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("BASEWATCH_COOKIE_SECURE") && msg.contains("cookie_secure"),
        "{msg}"
    );
    // A wrong type in the file is named with its line, as an unknown key is.
    std::fs::write(&f, "\n\npool_size = \"many\"\n").unwrap();
    let msg = Settings::load_from(Some(&f), env(&[]))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("b.toml") && msg.contains("line 3"), "{msg}");
    // A value out of range in the file names the file and the key.
    std::fs::write(&f, "session_idle_minutes = 100000\n").unwrap();
    let msg = Settings::load_from(Some(&f), env(&[]))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("b.toml") && msg.contains("session_idle_minutes"),
        "{msg}"
    );
}

#[test]
fn the_public_url_is_an_http_address_without_its_trailing_slash() {
    let s = Settings::load_from(
        None,
        env(&[("BASEWATCH_PUBLIC_URL", "https://bw.example.org/")]),
    )
    .unwrap();
    assert_eq!(s.public_url.as_deref(), Some("https://bw.example.org"));
    assert_eq!(s.base_link("ZZ-001"), "https://bw.example.org/bases/ZZ-001");
    assert_eq!(
        Settings::load_from(None, env(&[]))
            .unwrap()
            .base_link("ZZ-001"),
        ""
    );
    let msg = Settings::load_from(None, env(&[("BASEWATCH_PUBLIC_URL", "ftp://x")]))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("BASEWATCH_PUBLIC_URL") && msg.contains("public_url"),
        "{msg}"
    );
}

#[test]
fn a_bad_rulebook_file_stops_start_up_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let rb = dir.path().join("rb.toml");
    std::fs::write(&rb, "id = 1\n").unwrap();
    let msg = Settings::load_from(None, env(&[("BASEWATCH_RULEBOOK", rb.to_str().unwrap())]))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("rb.toml"), "{msg}");
}
