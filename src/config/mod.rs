//! Settings: one typed struct read from `basewatch.toml` (optional) and
//! `BASEWATCH_*` environment variables, validated before anything starts.
//!
//! A wrong value stops start-up with the file (or variable) and key named.

use std::path::{Path, PathBuf};

use serde::Deserialize;

pub mod jobs;

use crate::error::{AppError, AppResult};
use crate::rules::Rulebook;

/// Days given to rectify by default (`rectification_days`; the text fixes none).
pub const RECTIFICATION_DAYS: u32 = 90;

/// The default configuration file, read from the working directory if present.
pub const DEFAULT_FILE: &str = "basewatch.toml";

/// The validated settings of one process.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `sqlite://PATH` (embedded default) or `postgres://…`.
    pub database_url: String,
    /// Where imported files and their reports are archived.
    pub data_dir: PathBuf,
    /// The rulebook file; `None` is the embedded Henan rulebook.
    pub rulebook_path: Option<PathBuf>,
    /// The rulebook itself, loaded and validated.
    pub rulebook: Rulebook,
    /// Address `basewatch serve` listens on.
    pub bind: String,
    /// Mark session cookies `Secure` (behind HTTPS).
    pub cookie_secure: bool,
    /// A CJK font for charts; `None`: the usual system paths.
    pub font_path: Option<PathBuf>,
    /// Where dashboard files are read from (missing files: the built-in ones).
    pub dashboards_dir: PathBuf,
    /// SMTP server in lettre's URL form; `None`: messages go to `data_dir/outbox/*.eml`.
    pub smtp_url: Option<String>,
    /// The From address of every message.
    pub mail_from: String,
    /// Where job definitions are read from.
    pub jobs_dir: PathBuf,
    /// The jobs: the built-in files, replaced or added to by `jobs_dir`,
    /// read once with the rest of the settings.
    pub jobs: Vec<jobs::Job>,
    /// Folder the `import-inbox` job watches.
    pub inbox_dir: PathBuf,
    /// Days a base is given to rectify (责令限期整改).
    pub rectification_days: u32,
    /// Largest import file accepted over HTTP; a larger upload gets 413.
    pub max_upload_bytes: u64,
    /// Most database connections the server holds at once.
    pub pool_size: u32,
    /// A session not used for this many minutes ends (sign in again).
    pub session_idle_minutes: u32,
    /// Reverse proxies whose `X-Forwarded-For` names the client (addresses
    /// or CIDR networks); empty: the peer is the client.
    pub trusted_proxies: Vec<crate::domain::Net>,
}

/// Minutes without use after which a session ends, by default.
pub const DEFAULT_SESSION_IDLE_MINUTES: u32 = 30;

/// Database connections a server holds at most, by default.
pub const DEFAULT_POOL_SIZE: u32 = 8;

/// Default upload limit: 64 MiB, far above a province's yearly files.
pub const MAX_UPLOAD_BYTES: u64 = 64 * 1024 * 1024;
/// Uploads are held in memory while they arrive, so the limit has a ceiling.
const MAX_UPLOAD_CEILING: u64 = 1024 * 1024 * 1024;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    rulebook: Option<PathBuf>,
    bind: Option<String>,
    cookie_secure: Option<bool>,
    dashboards_dir: Option<PathBuf>,
    #[serde(default)]
    charts: ChartSettings,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    jobs_dir: Option<PathBuf>,
    inbox_dir: Option<PathBuf>,
    rectification_days: Option<u32>,
    max_upload_bytes: Option<u64>,
    trusted_proxies: Option<Vec<String>>,
    pool_size: Option<u32>,
    session_idle_minutes: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChartSettings {
    font_path: Option<PathBuf>,
}

impl Settings {
    /// Read settings from `file` (or `basewatch.toml` / `BASEWATCH_CONFIG`
    /// when `None`) and the environment, and validate them.
    pub fn load(file: Option<&Path>) -> AppResult<Settings> {
        Self::load_from(file, |k| std::env::var(k).ok())
    }

    /// As [`Settings::load`], with the environment given as a function (tests).
    pub fn load_from(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> AppResult<Settings> {
        let (path, required) = match (file, env("BASEWATCH_CONFIG")) {
            (Some(p), _) => (p.to_path_buf(), true),
            (None, Some(p)) => (PathBuf::from(p), true),
            (None, None) => (PathBuf::from(DEFAULT_FILE), false),
        };
        let source_name = path.display().to_string();
        let fs: FileSettings = match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| AppError::Config {
                source_name: source_name.clone(),
                key: e
                    .span()
                    .map(|s| {
                        let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                        format!("第 {line} 行 (line {line})")
                    })
                    .unwrap_or_else(|| "-".into()),
                message: e.message().trim().to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                FileSettings::default()
            }
            Err(e) => {
                return Err(AppError::Config {
                    source_name,
                    key: "-".into(),
                    message: format!("无法读取配置文件 (cannot read the file): {e}"),
                })
            }
        };

        // Environment variables override the file, key by key.
        let pick = |var: &str, key: &str, from_file: Option<String>| {
            env(var)
                .map(|v| (v, var.to_string()))
                .or_else(|| from_file.map(|v| (v, format!("{source_name}: {key}"))))
        };
        let (database_url, db_src) =
            pick("BASEWATCH_DATABASE_URL", "database_url", fs.database_url)
                .unwrap_or_else(|| ("sqlite://basewatch.db".into(), "默认值 (default)".into()));
        validate_database_url(&database_url).map_err(|message| AppError::Config {
            source_name: db_src,
            key: "database_url".into(),
            message,
        })?;
        let data_dir = pick(
            "BASEWATCH_DATA_DIR",
            "data_dir",
            fs.data_dir.map(|p| p.display().to_string()),
        )
        .map(|(v, _)| PathBuf::from(v))
        .unwrap_or_else(|| PathBuf::from("data"));
        let rulebook_src = pick(
            "BASEWATCH_RULEBOOK",
            "rulebook",
            fs.rulebook.map(|p| p.display().to_string()),
        );
        let rulebook_path = rulebook_src.as_ref().map(|(v, _)| PathBuf::from(v));
        let rulebook = Rulebook::load(rulebook_path.as_deref())?;
        let (bind, bind_src) = pick("BASEWATCH_BIND", "bind", fs.bind)
            .unwrap_or_else(|| ("127.0.0.1:8080".into(), "默认值 (default)".into()));
        if bind.parse::<std::net::SocketAddr>().is_err() {
            return Err(AppError::Config {
                source_name: bind_src,
                key: "bind".into(),
                message: format!(
                    "“{bind}”不是 IP:端口 形式的地址 (expected IP:PORT, e.g. 127.0.0.1:8080)"
                ),
            });
        }
        let cookie_secure = match pick(
            "BASEWATCH_COOKIE_SECURE",
            "cookie_secure",
            fs.cookie_secure.map(|b| b.to_string()),
        ) {
            None => false,
            Some((v, src)) => match v.as_str() {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" => false,
                _ => {
                    return Err(AppError::Config {
                        source_name: src,
                        key: "cookie_secure".into(),
                        message: format!("“{v}”应为 true 或 false (expected true or false)"),
                    })
                }
            },
        };
        let font_path = pick(
            "BASEWATCH_FONT_PATH",
            "charts.font_path",
            fs.charts.font_path.map(|p| p.display().to_string()),
        )
        .map(|(v, _)| PathBuf::from(v));
        let dashboards_dir = pick(
            "BASEWATCH_DASHBOARDS_DIR",
            "dashboards_dir",
            fs.dashboards_dir.map(|p| p.display().to_string()),
        )
        .map(|(v, _)| PathBuf::from(v))
        .unwrap_or_else(|| PathBuf::from("dashboards"));
        let smtp = pick("BASEWATCH_SMTP_URL", "smtp_url", fs.smtp_url);
        if let Some((url, src)) = &smtp {
            if let Err(e) = lettre::SmtpTransport::from_url(url) {
                return Err(AppError::Config {
                    source_name: src.clone(),
                    key: "smtp_url".into(),
                    message: format!(
                        "无法解析 SMTP 地址 {} (cannot parse the SMTP URL): {e}",
                        crate::db::redact(url)
                    ),
                });
            }
        }
        let (mail_from, from_src) = pick("BASEWATCH_MAIL_FROM", "mail_from", fs.mail_from)
            .unwrap_or_else(|| ("basewatch@localhost".into(), "默认值 (default)".into()));
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(AppError::Config {
                source_name: from_src,
                key: "mail_from".into(),
                message: format!("“{mail_from}”不是有效的邮箱地址 (not a valid address)"),
            });
        }
        let jobs_dir = pick(
            "BASEWATCH_JOBS_DIR",
            "jobs_dir",
            fs.jobs_dir.map(|p| p.display().to_string()),
        )
        .map(|(v, _)| PathBuf::from(v))
        .unwrap_or_else(|| PathBuf::from("jobs"));
        let inbox_dir = pick(
            "BASEWATCH_INBOX_DIR",
            "inbox_dir",
            fs.inbox_dir.map(|p| p.display().to_string()),
        )
        .map(|(v, _)| PathBuf::from(v))
        .unwrap_or_else(|| data_dir.join("inbox"));
        let rectification_days = match pick(
            "BASEWATCH_RECTIFICATION_DAYS",
            "rectification_days",
            fs.rectification_days.map(|d| d.to_string()),
        ) {
            None => RECTIFICATION_DAYS,
            Some((v, src)) => match v.parse::<u32>() {
                Ok(d) if (1..=365).contains(&d) => d,
                _ => {
                    return Err(AppError::Config {
                        source_name: src,
                        key: "rectification_days".into(),
                        message: format!("“{v}”应为 1 到 365 之间的天数 (days between 1 and 365)"),
                    })
                }
            },
        };
        let max_upload_bytes = match pick(
            "BASEWATCH_MAX_UPLOAD_BYTES",
            "max_upload_bytes",
            fs.max_upload_bytes.map(|d| d.to_string()),
        ) {
            None => MAX_UPLOAD_BYTES,
            Some((v, src)) => match v.trim().parse::<u64>() {
                Ok(n) if (1024..=MAX_UPLOAD_CEILING).contains(&n) => n,
                _ => {
                    return Err(AppError::Config {
                        source_name: src,
                        key: "max_upload_bytes".into(),
                        message: format!(
                            "“{v}”应为 1024 到 {MAX_UPLOAD_CEILING} 之间的字节数 (bytes between 1024 and {MAX_UPLOAD_CEILING})"
                        ),
                    })
                }
            },
        };
        let trusted_proxies = match env("BASEWATCH_TRUSTED_PROXIES")
            .map(|v| {
                let list = v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
                (list.collect::<Vec<_>>(), "BASEWATCH_TRUSTED_PROXIES".to_string())
            })
            .or_else(|| {
                fs.trusted_proxies
                    .map(|l| (l, format!("{source_name}: trusted_proxies")))
            }) {
            None => Vec::new(),
            Some((list, src)) => list
                .iter()
                .map(|s| {
                    crate::domain::Net::parse(s).ok_or_else(|| AppError::Config {
                        source_name: src.clone(),
                        key: "trusted_proxies".into(),
                        message: format!(
                            "“{s}”不是 IP 地址或 CIDR 网段 (expected an address or a CIDR network such as 10.0.0.0/8)"
                        ),
                    })
                })
                .collect::<AppResult<Vec<_>>>()?,
        };
        let pool_size = match pick(
            "BASEWATCH_POOL_SIZE",
            "pool_size",
            fs.pool_size.map(|d| d.to_string()),
        ) {
            None => DEFAULT_POOL_SIZE,
            Some((v, src)) => match v.trim().parse::<u32>() {
                Ok(n) if (1..=256).contains(&n) => n,
                _ => {
                    return Err(AppError::Config {
                        source_name: src,
                        key: "pool_size".into(),
                        message: format!(
                            "“{v}”应为 1 到 256 之间的连接数 (connections between 1 and 256)"
                        ),
                    })
                }
            },
        };
        let session_idle_minutes = match pick(
            "BASEWATCH_SESSION_IDLE_MINUTES",
            "session_idle_minutes",
            fs.session_idle_minutes.map(|d| d.to_string()),
        ) {
            None => DEFAULT_SESSION_IDLE_MINUTES,
            Some((v, src)) => match v.trim().parse::<u32>() {
                Ok(n) if (1..=720).contains(&n) => n,
                _ => {
                    return Err(AppError::Config {
                        source_name: src,
                        key: "session_idle_minutes".into(),
                        message: format!(
                            "“{v}”应为 1 到 720 之间的分钟数 (minutes between 1 and 720)"
                        ),
                    })
                }
            },
        };
        let jobs = jobs::load(&jobs_dir)?;
        Ok(Settings {
            session_idle_minutes,
            jobs,
            pool_size,
            trusted_proxies,
            rectification_days,
            max_upload_bytes,
            database_url,
            data_dir,
            rulebook_path,
            rulebook,
            bind,
            cookie_secure,
            font_path,
            dashboards_dir,
            smtp_url: smtp.map(|(v, _)| v),
            mail_from,
            jobs_dir,
            inbox_dir,
        })
    }

    /// Settings for a given database with everything else at its default.
    pub fn for_database(database_url: &str, data_dir: &Path) -> AppResult<Settings> {
        validate_database_url(database_url).map_err(|message| AppError::Config {
            source_name: "参数 (argument)".into(),
            key: "database_url".into(),
            message,
        })?;
        Ok(Settings {
            database_url: database_url.to_string(),
            data_dir: data_dir.to_path_buf(),
            rulebook_path: None,
            rulebook: Rulebook::henan(),
            bind: "127.0.0.1:8080".into(),
            cookie_secure: false,
            font_path: None,
            dashboards_dir: PathBuf::from("dashboards"),
            smtp_url: None,
            mail_from: "basewatch@localhost".into(),
            jobs_dir: PathBuf::from("jobs"),
            inbox_dir: data_dir.join("inbox"),
            rectification_days: RECTIFICATION_DAYS,
            jobs: jobs::load(Path::new("jobs"))?,
            max_upload_bytes: MAX_UPLOAD_BYTES,
            trusted_proxies: Vec::new(),
            pool_size: DEFAULT_POOL_SIZE,
            session_idle_minutes: DEFAULT_SESSION_IDLE_MINUTES,
        })
    }
}

fn validate_database_url(url: &str) -> Result<(), String> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        if path.is_empty() {
            return Err("sqlite:// 后缺少文件路径 (missing file path after sqlite://)".into());
        }
        Ok(())
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(())
    } else {
        Err(format!(
            "“{}”不是 sqlite://文件 或 postgres://… 形式的地址 (expected sqlite://FILE or postgres://…)",
            crate::db::redact(url)
        ))
    }
}

#[cfg(test)]
mod tests {
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
        let s =
            Settings::load_from(None, env(&[("BASEWATCH_MAX_UPLOAD_BYTES", "1048576")])).unwrap();
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
    fn a_bad_rulebook_file_stops_start_up_with_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let rb = dir.path().join("rb.toml");
        std::fs::write(&rb, "id = 1\n").unwrap();
        let msg = Settings::load_from(None, env(&[("BASEWATCH_RULEBOOK", rb.to_str().unwrap())]))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("rb.toml"), "{msg}");
    }
}
