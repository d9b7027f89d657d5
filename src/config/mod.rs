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
    /// Where documents and attachments bases upload are kept, named by digest.
    pub files_dir: PathBuf,
    /// Largest document or attachment accepted; a larger one gets 413.
    pub max_document_bytes: u64,
    /// Most database connections the server holds at once.
    pub pool_size: u32,
    /// A session not used for this many minutes ends (sign in again).
    pub session_idle_minutes: u32,
    /// Reverse proxies whose `X-Forwarded-For` names the client (addresses
    /// or CIDR networks); empty: the peer is the client.
    pub trusted_proxies: Vec<crate::domain::Net>,
    /// The address people reach basewatch at (`https://…`, no trailing
    /// slash), for the links in emails; `None`: mails carry no link.
    pub public_url: Option<String>,
}

/// Minutes without use after which a session ends, by default.
pub const DEFAULT_SESSION_IDLE_MINUTES: u32 = 30;

/// Database connections a server holds at most, by default.
pub const DEFAULT_POOL_SIZE: u32 = 8;

/// Default upload limit: 64 MiB, far above a province's yearly files.
pub const MAX_UPLOAD_BYTES: u64 = 64 * 1024 * 1024;
/// Default limit of a document or attachment a base uploads: 20 MiB.
pub const MAX_DOCUMENT_BYTES: u64 = 20 * 1024 * 1024;
/// Uploads are held in memory while they arrive, so the limit has a ceiling.
const MAX_UPLOAD_CEILING: u64 = 1024 * 1024 * 1024;

/// The file's keys as serde reads them; the environment is laid over the
/// file (see [`KEYS`]) before this is read, so both go through one reader.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
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
    rectification_days: Option<u64>,
    max_upload_bytes: Option<u64>,
    files_dir: Option<PathBuf>,
    max_document_bytes: Option<u64>,
    trusted_proxies: Option<Vec<String>>,
    pool_size: Option<u64>,
    session_idle_minutes: Option<u64>,
    public_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChartSettings {
    font_path: Option<PathBuf>,
}

/// How an environment variable's text becomes a value of the file's kind.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    Bool,
    /// A whole number, 0 or more.
    Count,
    /// Comma-separated.
    List,
}

/// Every key (a dotted path into the file), the variable that overrides it,
/// and its kind. A variable set in the environment wins over the file.
const KEYS: [(&str, &str, Kind); 19] = [
    ("database_url", "BASEWATCH_DATABASE_URL", Kind::Text),
    ("data_dir", "BASEWATCH_DATA_DIR", Kind::Text),
    ("rulebook", "BASEWATCH_RULEBOOK", Kind::Text),
    ("bind", "BASEWATCH_BIND", Kind::Text),
    ("cookie_secure", "BASEWATCH_COOKIE_SECURE", Kind::Bool),
    ("dashboards_dir", "BASEWATCH_DASHBOARDS_DIR", Kind::Text),
    ("charts.font_path", "BASEWATCH_FONT_PATH", Kind::Text),
    ("smtp_url", "BASEWATCH_SMTP_URL", Kind::Text),
    ("mail_from", "BASEWATCH_MAIL_FROM", Kind::Text),
    ("jobs_dir", "BASEWATCH_JOBS_DIR", Kind::Text),
    ("inbox_dir", "BASEWATCH_INBOX_DIR", Kind::Text),
    (
        "rectification_days",
        "BASEWATCH_RECTIFICATION_DAYS",
        Kind::Count,
    ),
    (
        "max_upload_bytes",
        "BASEWATCH_MAX_UPLOAD_BYTES",
        Kind::Count,
    ),
    ("files_dir", "BASEWATCH_FILES_DIR", Kind::Text),
    (
        "max_document_bytes",
        "BASEWATCH_MAX_DOCUMENT_BYTES",
        Kind::Count,
    ),
    ("trusted_proxies", "BASEWATCH_TRUSTED_PROXIES", Kind::List),
    ("pool_size", "BASEWATCH_POOL_SIZE", Kind::Count),
    (
        "session_idle_minutes",
        "BASEWATCH_SESSION_IDLE_MINUTES",
        Kind::Count,
    ),
    ("public_url", "BASEWATCH_PUBLIC_URL", Kind::Text),
];

/// The file with the environment laid over it, and where each value came
/// from, so a wrong value names its file and key or its variable.
struct Layered {
    raw: Raw,
    file: String,
    from_env: Vec<(&'static str, &'static str)>,
}

impl Layered {
    fn read(
        path: &Path,
        required: bool,
        env: &impl Fn(&str) -> Option<String>,
    ) -> AppResult<Layered> {
        let file = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => String::new(),
            Err(e) => {
                return Err(AppError::Config {
                    source_name: file,
                    key: "-".into(),
                    message: format!("无法读取配置文件 (cannot read the file): {e}"),
                })
            }
        };
        // Read once as the typed struct, for errors with their line (an
        // unknown key, a wrong type); then as a table to lay the variables over.
        let file_error = |e: toml::de::Error| AppError::Config {
            source_name: file.clone(),
            key: e
                .span()
                .map(|s| {
                    let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                    format!("第 {line} 行 (line {line})")
                })
                .unwrap_or_else(|| "-".into()),
            message: e.message().trim().to_string(),
        };
        toml::from_str::<Raw>(&text).map_err(file_error)?;
        let mut table: toml::Table = toml::from_str(&text).map_err(file_error)?;
        let mut from_env = Vec::new();
        for (key, var, kind) in KEYS {
            let Some(v) = env(var) else { continue };
            let bad = |expected: &str| AppError::Config {
                source_name: var.to_string(),
                key: key.to_string(),
                message: format!("“{v}”{expected}"),
            };
            let value = match kind {
                Kind::Text => toml::Value::String(v.clone()),
                Kind::Bool => match v.trim() {
                    "true" | "1" | "yes" => toml::Value::Boolean(true),
                    "false" | "0" | "no" => toml::Value::Boolean(false),
                    _ => return Err(bad("应为 true 或 false (expected true or false)")),
                },
                Kind::Count => match v.trim().parse::<u32>() {
                    Ok(n) => toml::Value::Integer(i64::from(n)),
                    Err(_) => return Err(bad("应为非负整数 (expected a whole number)")),
                },
                Kind::List => toml::Value::Array(
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| toml::Value::String(s.to_string()))
                        .collect(),
                ),
            };
            let mut at = &mut table;
            let mut parts: Vec<&str> = key.split('.').collect();
            let last = parts.pop().unwrap_or(key);
            for part in parts {
                let entry = at
                    .entry(part)
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                let toml::Value::Table(t) = entry else {
                    return Err(bad("无法放入配置 (the file has this key as a value)"));
                };
                at = t;
            }
            at.insert(last.to_string(), value);
            from_env.push((key, var));
        }
        let raw = Raw::deserialize(toml::Value::Table(table)).map_err(|e| AppError::Config {
            source_name: format!("{file} + 环境变量 (environment)"),
            key: "-".into(),
            message: e.message().trim().to_string(),
        })?;
        Ok(Layered {
            raw,
            file,
            from_env,
        })
    }

    /// Where `key`'s value came from: its variable, or the file.
    fn origin(&self, key: &str) -> String {
        match self.from_env.iter().find(|(k, _)| *k == key) {
            Some((_, var)) => var.to_string(),
            None => self.file.clone(),
        }
    }

    fn error(&self, key: &str, message: String) -> AppError {
        AppError::Config {
            source_name: self.origin(key),
            key: key.to_string(),
            message,
        }
    }

    /// A count within `range`, or `default` when not given.
    fn bounded(
        &self,
        key: &str,
        value: Option<u64>,
        range: std::ops::RangeInclusive<u64>,
        default: u64,
        unit: (&str, &str),
    ) -> AppResult<u64> {
        match value {
            None => Ok(default),
            Some(n) if range.contains(&n) => Ok(n),
            Some(n) => Err(self.error(
                key,
                format!(
                    "“{n}”应为 {} 到 {} 之间的{} ({} between {} and {})",
                    range.start(),
                    range.end(),
                    unit.0,
                    unit.1,
                    range.start(),
                    range.end()
                ),
            )),
        }
    }
}

/// A count that was checked against a `u32` range.
fn narrow(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
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
        let l = Layered::read(&path, required, &env)?;
        let r = &l.raw;
        let database_url = r
            .database_url
            .clone()
            .unwrap_or_else(|| "sqlite://basewatch.db".into());
        validate_database_url(&database_url).map_err(|m| l.error("database_url", m))?;
        let data_dir = r.data_dir.clone().unwrap_or_else(|| PathBuf::from("data"));
        let rulebook_path = r.rulebook.clone();
        let rulebook = Rulebook::load(rulebook_path.as_deref())?;
        let bind = r.bind.clone().unwrap_or_else(|| "127.0.0.1:8080".into());
        if bind.parse::<std::net::SocketAddr>().is_err() {
            return Err(l.error(
                "bind",
                format!("“{bind}”不是 IP:端口 形式的地址 (expected IP:PORT, e.g. 127.0.0.1:8080)"),
            ));
        }
        if let Some(url) = &r.smtp_url {
            if let Err(e) = lettre::SmtpTransport::from_url(url) {
                return Err(l.error(
                    "smtp_url",
                    format!(
                        "无法解析 SMTP 地址 {} (cannot parse the SMTP URL): {e}",
                        crate::db::redact(url)
                    ),
                ));
            }
        }
        let mail_from = r
            .mail_from
            .clone()
            .unwrap_or_else(|| "basewatch@localhost".into());
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(l.error(
                "mail_from",
                format!("“{mail_from}”不是有效的邮箱地址 (not a valid address)"),
            ));
        }
        let trusted_proxies = r
            .trusted_proxies
            .iter()
            .flatten()
            .map(|s| {
                crate::domain::Net::parse(s).ok_or_else(|| {
                    l.error(
                        "trusted_proxies",
                        format!(
                            "“{s}”不是 IP 地址或 CIDR 网段 (expected an address or a CIDR network such as 10.0.0.0/8)"
                        ),
                    )
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        let rectification_days = narrow(l.bounded(
            "rectification_days",
            r.rectification_days,
            1..=365,
            RECTIFICATION_DAYS.into(),
            ("天数", "days"),
        )?);
        let max_upload_bytes = l.bounded(
            "max_upload_bytes",
            r.max_upload_bytes,
            1024..=MAX_UPLOAD_CEILING,
            MAX_UPLOAD_BYTES,
            ("字节数", "bytes"),
        )?;
        let max_document_bytes = l.bounded(
            "max_document_bytes",
            r.max_document_bytes,
            1024..=MAX_UPLOAD_CEILING,
            MAX_DOCUMENT_BYTES,
            ("字节数", "bytes"),
        )?;
        let pool_size = narrow(l.bounded(
            "pool_size",
            r.pool_size,
            1..=256,
            DEFAULT_POOL_SIZE.into(),
            ("连接数", "connections"),
        )?);
        let session_idle_minutes = narrow(l.bounded(
            "session_idle_minutes",
            r.session_idle_minutes,
            1..=720,
            DEFAULT_SESSION_IDLE_MINUTES.into(),
            ("分钟数", "minutes"),
        )?);
        let public_url = match r.public_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(u)
                if (u.starts_with("https://") || u.starts_with("http://"))
                    && !u.contains(char::is_whitespace) =>
            {
                Some(u.trim_end_matches('/').to_string())
            }
            Some(u) => {
                return Err(l.error(
                    "public_url",
                    format!(
                        "“{u}”应为 http:// 或 https:// 开头的网址 (expected an http(s) address)"
                    ),
                ))
            }
        };
        let jobs_dir = r.jobs_dir.clone().unwrap_or_else(|| PathBuf::from("jobs"));
        let jobs = jobs::load(&jobs_dir)?;
        Ok(Settings {
            session_idle_minutes,
            jobs,
            pool_size,
            trusted_proxies,
            rectification_days,
            max_upload_bytes,
            max_document_bytes,
            files_dir: r
                .files_dir
                .clone()
                .unwrap_or_else(|| data_dir.join("files")),
            database_url,
            inbox_dir: r
                .inbox_dir
                .clone()
                .unwrap_or_else(|| data_dir.join("inbox")),
            data_dir,
            rulebook_path,
            rulebook,
            bind,
            cookie_secure: r.cookie_secure.unwrap_or(false),
            font_path: r.charts.font_path.clone(),
            dashboards_dir: r
                .dashboards_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from("dashboards")),
            smtp_url: r.smtp_url.clone(),
            mail_from,
            jobs_dir,
            public_url,
        })
    }

    /// A base's scorecard page under `public_url`, for emails; empty when
    /// no public address is configured.
    pub fn base_link(&self, code: &str) -> String {
        self.public_url
            .as_ref()
            .map(|u| format!("{u}/bases/{code}"))
            .unwrap_or_default()
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
            files_dir: data_dir.join("files"),
            max_document_bytes: MAX_DOCUMENT_BYTES,
            trusted_proxies: Vec::new(),
            pool_size: DEFAULT_POOL_SIZE,
            session_idle_minutes: DEFAULT_SESSION_IDLE_MINUTES,
            public_url: None,
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
mod tests;
