//! The one error type of the library, and the rule for when to use `anyhow`.
//!
//! Library code returns [`AppError`]: a small set of cases that a caller can
//! act on (a person fixes input, an operator fixes configuration, the database
//! is down). Each carries a message written for people, Chinese first with
//! English alongside. `anyhow` is used only at the edges (the CLI in
//! `main.rs`, and later job runners), where errors are reported, not handled.

use std::path::PathBuf;

/// Everything the library can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A configuration file or environment variable is wrong: names the source and key.
    #[error("配置错误 (configuration error): {source_name}: 键 `{key}`: {message}")]
    Config {
        source_name: String,
        key: String,
        message: String,
    },
    /// A rulebook is wrong: names the file and key.
    #[error("规则文件错误 (rulebook error): {file}: 键 `{key}`: {message}")]
    Rulebook {
        file: String,
        key: String,
        message: String,
    },
    /// Input that a person must correct (bad argument, unknown base, ...).
    #[error("{0}")]
    Invalid(String),
    /// Something asked for does not exist (or is outside the caller's scope).
    #[error("未找到 (not found): {0}")]
    NotFound(String),
    /// The rules forbid what was asked in the current state (a revoked base
    /// given a new cycle, a decision taken twice).
    #[error("{0}")]
    Conflict(String),
    /// The caller's role may not take this step (a unit filing under another's name).
    #[error("{0}")]
    Forbidden(String),
    /// A file could not be read or written.
    #[error("文件读写失败 (file I/O failed): {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The database refused or failed.
    #[error("数据库错误 (database error): {0}")]
    Database(#[from] diesel::result::Error),
    /// The database could not be reached or migrated.
    #[error("数据库连接失败 (cannot connect to the database): {0}")]
    Connection(String),
    /// The compliance engine failed (a bug rather than bad input).
    #[error("计算失败 (evaluation failed): {0}")]
    Compute(String),
}

impl AppError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        AppError::Io {
            path: path.into(),
            source,
        }
    }
}

impl From<polars::error::PolarsError> for AppError {
    fn from(e: polars::error::PolarsError) -> Self {
        AppError::Compute(e.to_string())
    }
}

pub type AppResult<T> = Result<T, AppError>;
