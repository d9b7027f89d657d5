//! The `basewatch` command: a thin layer over the library.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use basewatch::config::Settings;
use basewatch::db::Db;
use basewatch::domain::parse_date;
use basewatch::ingest::{self, Outcome};
use basewatch::{compliance, demo};

#[derive(Parser)]
#[command(
    name = "basewatch",
    version,
    about = "“科创中原”创新基地年度绩效监测 (annual performance monitoring of 科创中原 innovation bases)"
)]
struct Cli {
    /// Configuration file (default: basewatch.toml if present; env BASEWATCH_CONFIG).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending database migrations (also done at every start).
    Migrate,
    /// Import template files (基地名册, 年度指标表, 活动明细): CSV, XLSX or JSON.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Who is importing (recorded with every change); default: $USER.
        #[arg(long)]
        by: Option<String>,
    },
    /// Evaluate every base due in a year against the rulebook and store the result.
    Evaluate {
        #[arg(long)]
        year: i32,
        /// Evaluate as of this date (YYYY-MM-DD); default: today, or the year's end.
        #[arg(long)]
        as_of: Option<String>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
    /// Create a fresh SQLite database with a realistic demo province, and evaluate it.
    Demo {
        /// Where the demo database goes.
        #[arg(long, default_value = "basewatch-demo.db")]
        database: PathBuf,
        /// Where the demo's files (templates, archive) go.
        #[arg(long, default_value = "demo-data")]
        dir: PathBuf,
        /// Pretend today is this date (YYYY-MM-DD).
        #[arg(long)]
        today: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Table,
    Csv,
    Json,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BASEWATCH_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()) {
        Ok(code) => code,
        // A closed pipe (`basewatch evaluate … | head`) is not an error.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("错误 (error): {e:#}");
            ExitCode::from(2)
        }
    }
}

fn date_arg(s: &Option<String>, name: &str) -> anyhow::Result<Option<chrono::NaiveDate>> {
    s.as_deref()
        .map(|v| parse_date(v).with_context(|| format!("参数 {name}")))
        .transpose()
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Command::Demo {
        database,
        dir,
        today,
    } = &cli.command
    {
        let today = date_arg(today, "--today")?.unwrap_or_else(basewatch::today);
        let summary = demo::run(database, dir, today)?;
        write!(std::io::stdout(), "{summary}")?;
        return Ok(ExitCode::SUCCESS);
    }
    let settings = Settings::load(cli.config.as_deref())?;
    let mut db = Db::connect(&settings.database_url)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Command::Migrate => {
            writeln!(
                out,
                "数据库已是最新 (database is up to date): {}",
                db.backend()
            )?;
        }
        Command::Import { files, by } => {
            let by = by
                .or_else(|| std::env::var("USER").ok())
                .unwrap_or_else(|| "cli".into());
            let opts = ingest::Options {
                by,
                today: basewatch::today(),
                progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
            };
            let mut refused = 0;
            for f in &files {
                let report = ingest::import_file(&mut db, &settings, f, &opts)?;
                writeln!(out, "{}", report.to_text())?;
                if report.outcome == Outcome::Rejected {
                    refused += 1;
                }
            }
            if refused > 0 {
                eprintln!("{refused} 个文件被拒绝 (file(s) refused)");
                return Ok(ExitCode::from(1));
            }
        }
        Command::Evaluate {
            year,
            as_of,
            format,
        } => {
            let as_of = date_arg(&as_of, "--as-of")?;
            let card =
                compliance::evaluate(&mut db, &settings.rulebook, year, as_of, basewatch::today())?;
            compliance::store(&mut db, &card)?;
            match format {
                OutputFormat::Table => compliance::output::write_table(&card, &mut out)?,
                OutputFormat::Csv => compliance::output::write_csv(&card, &mut out)?,
                OutputFormat::Json => {
                    compliance::output::write_json(&card, &mut out)?;
                    writeln!(out)?;
                }
            }
            let dis = card.disagreements();
            if !dis.is_empty() {
                eprintln!("注意：以下基地的年度填报数与活动明细合计不一致（按填报数计分）(declared counts and records disagree):");
                for r in dis {
                    eprintln!("  {} {} {}", r.base_code, r.base_name, r.indicator);
                }
            }
        }
        // Handled before the settings are read: the demo makes its own database.
        Command::Demo { .. } => {}
    }
    Ok(ExitCode::SUCCESS)
}
