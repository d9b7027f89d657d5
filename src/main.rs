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
    /// Evaluate every base due in a year (or a range of years, 2020..2024)
    /// against the rulebook and store each result that changed.
    Evaluate {
        /// A year (2024) or an inclusive range (2020..2024).
        #[arg(long, value_parser = parse_years)]
        year: std::ops::RangeInclusive<i32>,
        /// Evaluate as of this date (YYYY-MM-DD); default: today, or the year's end.
        #[arg(long)]
        as_of: Option<String>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
    /// Serve the web app (pages and /api/v1) at `bind` (BASEWATCH_BIND, default 127.0.0.1:8080).
    Serve,
    /// Benchmarks (run them on a release build: cargo run --release -- bench web).
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Scheduled jobs (jobs/*.toml).
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Manage accounts.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Create a fresh SQLite database with a realistic demo province, evaluate it and serve it.
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
        /// Build the demo and stop, without serving it.
        #[arg(long)]
        no_serve: bool,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Load-test the overview, a scorecard and a chart with wrk, against a bare actix route.
    Web {
        #[arg(long, default_value_t = 10)]
        seconds: u32,
        #[arg(long, default_value_t = 64)]
        connections: u32,
    },
    /// Import a generated national dataset into SQLite (and PostgreSQL),
    /// beside `sqlite3 .import` and `psql \copy` of the same file.
    Import {
        #[command(flatten)]
        scale: ScaleArgs,
        /// PostgreSQL server to measure as well (a throw-away database is
        /// created and dropped there); `none` to skip.
        #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/test")]
        postgres: String,
    },
    /// Evaluate every year of a generated national dataset, beside DuckDB
    /// computing the same scorecards from the CSV (needs `pip install duckdb`).
    Evaluate {
        #[command(flatten)]
        scale: ScaleArgs,
        /// How many times each step runs; the median is reported.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=20))]
        runs: u16,
    },
}

#[derive(clap::Args)]
struct ScaleArgs {
    /// How many bases.
    #[arg(long, default_value_t = 20_000)]
    bases: usize,
    /// How many years (ending two years before today's).
    #[arg(long, default_value_t = 5)]
    years: i32,
    /// Where the dataset and the databases go (kept: the dataset is made once per size).
    #[arg(long, default_value = "target/bench-data")]
    dir: PathBuf,
}

impl ScaleArgs {
    fn options(&self, postgres: Option<&str>) -> anyhow::Result<basewatch::bench::scale::Options> {
        anyhow::ensure!(
            (1..=1_000_000).contains(&self.bases) && (1..=30).contains(&self.years),
            "--bases 应在 1–1000000，--years 应在 1–30 (--bases 1..=1000000, --years 1..=30)"
        );
        Ok(basewatch::bench::scale::Options {
            bases: self.bases,
            years: self.years,
            dir: self.dir.clone(),
            postgres: postgres.filter(|p| *p != "none").map(str::to_string),
            today: basewatch::today(),
        })
    }
}

#[derive(Subcommand)]
enum JobsCommand {
    /// Every job with its schedule and next run times (Asia/Shanghai).
    List,
    /// Run one job now.
    Run {
        name: String,
        /// Run as if today were this date (YYYY-MM-DD).
        #[arg(long)]
        as_of: Option<String>,
    },
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Create an account; the password is read from standard input.
    Add {
        username: String,
        #[arg(long)]
        role: String,
        /// The recommending unit (for --role recommender).
        #[arg(long)]
        unit: Option<String>,
        /// The base code (for --role base).
        #[arg(long)]
        base: Option<String>,
        #[arg(long)]
        email: String,
    },
    /// Print a new API token for the account (shown once, stored hashed).
    Token {
        username: String,
        /// What the token is for (shown in the list).
        #[arg(long, default_value = "")]
        label: String,
        /// Days it is valid; 0: until revoked.
        #[arg(long, default_value_t = 365)]
        days: u32,
    },
    /// List an account's API tokens (never the tokens themselves).
    Tokens { username: String },
    /// Revoke an API token by its id.
    RevokeToken { id: i64 },
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

/// Run the web server until interrupted.
fn serve(settings: Settings, today: Option<chrono::NaiveDate>) -> anyhow::Result<()> {
    let bind = settings.bind.clone();
    let jobs = settings.jobs.clone();
    let sched_settings = settings.clone();
    let state = basewatch::web::AppState::new(settings, today)?;
    let pool = state.pool.clone();
    let instance = format!(
        "{}:{}",
        std::env::var("HOSTNAME").unwrap_or_else(|_| "basewatch".into()),
        std::process::id()
    );
    let listener = std::net::TcpListener::bind(&bind).with_context(|| {
        format!("无法监听 {bind} (cannot listen on {bind}; set BASEWATCH_BIND)")
    })?;
    eprintln!("basewatch 已启动 (serving)：http://{bind}/");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("tokio runtime")?;
    rt.block_on(async move {
        // The scheduler is one task beside the server, on the same runtime.
        tokio::spawn(basewatch::jobs::scheduler::run(
            sched_settings,
            pool,
            jobs,
            instance,
        ));
        basewatch::web::run(listener, state)?.await
    })?;
    Ok(())
}

/// `2024` or `2020..2024` (inclusive); at most 50 years at once.
fn parse_years(s: &str) -> Result<std::ops::RangeInclusive<i32>, String> {
    let year = |v: &str| {
        basewatch::domain::Year::parse(v)
            .map(|y| y.value())
            .map_err(|e| e.to_string())
    };
    let (from, to) = match s.split_once("..") {
        Some((a, b)) => (year(a)?, year(b.trim_start_matches('='))?),
        None => (year(s)?, year(s)?),
    };
    if from > to || to - from >= 50 {
        return Err(format!(
            "年度范围应为 起..止，且不超过 50 年 (a range is FROM..TO, at most 50 years): {s}"
        ));
    }
    Ok(from..=to)
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
        no_serve,
    } = &cli.command
    {
        let fixed = date_arg(today, "--today")?;
        // The configured jobs (jobs_dir) and bind address; everything else demo.
        let mut settings = Settings::load(cli.config.as_deref())?;
        let summary = demo::run(
            database,
            dir,
            fixed.unwrap_or_else(basewatch::today),
            settings.jobs.clone(),
        )?;
        write!(std::io::stdout(), "{summary}")?;
        if *no_serve {
            return Ok(ExitCode::SUCCESS);
        }
        settings.database_url = format!("sqlite://{}", database.display());
        settings.data_dir = dir.join("data");
        serve(settings, fixed)?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Bench { command } = &cli.command {
        let report = match command {
            BenchCommand::Web {
                seconds,
                connections,
            } => basewatch::bench::web(*seconds, *connections, basewatch::today())?,
            BenchCommand::Import { scale, postgres } => {
                basewatch::bench::scale::import(&scale.options(Some(postgres))?)?
            }
            BenchCommand::Evaluate { scale, runs } => {
                basewatch::bench::scale::evaluate(&scale.options(None)?, usize::from(*runs))?
            }
        };
        write!(std::io::stdout(), "{report}")?;
        return Ok(ExitCode::SUCCESS);
    }
    let settings = Settings::load(cli.config.as_deref())?;
    let mut db = Db::connect(&settings.database_url)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Command::Serve => {
            drop(out);
            drop(db);
            serve(settings, None)?;
        }
        Command::Jobs { command } => {
            let jobs = settings.jobs.clone();
            match command {
                JobsCommand::List => {
                    for j in &jobs {
                        let next: Vec<String> = j
                            .next_runs(3)
                            .iter()
                            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                            .collect();
                        writeln!(
                            out,
                            "{:<14} {:<16} {}\n               下次运行 (next, Asia/Shanghai): {}",
                            j.name,
                            j.cron,
                            j.description,
                            next.join(", ")
                        )?;
                    }
                }
                JobsCommand::Run { name, as_of } => {
                    let job = jobs.iter().find(|j| j.name == name).with_context(|| {
                        format!("没有名为 {name} 的任务 (no such job); see `basewatch jobs list`")
                    })?;
                    let as_of = date_arg(&as_of, "--as-of")?.unwrap_or_else(basewatch::today);
                    let by = format!(
                        "cli:{}",
                        std::env::var("USER").unwrap_or_else(|_| "?".into())
                    );
                    // A manual run is recorded under its own time, so it never blocks a scheduled one.
                    let report = basewatch::jobs::run(
                        &mut db,
                        &settings,
                        job,
                        as_of,
                        basewatch::db::now(),
                        &by,
                    )?
                    .context("run claimed elsewhere")?;
                    writeln!(out, "{}：{}", job.name, report.message)?;
                    writeln!(out, "{}", serde_json::to_string(&report.counts)?)?;
                }
            }
        }
        Command::Users { command } => match command {
            UsersCommand::Add {
                username,
                role,
                unit,
                base,
                email,
            } => {
                let mut password = String::new();
                std::io::stdin()
                    .read_line(&mut password)
                    .context("读取密码 (reading the password from standard input)")?;
                let password = password.trim_end_matches(['\r', '\n']);
                let id = basewatch::access::add_user(
                    &mut db,
                    &basewatch::access::NewAccount {
                        username: &username,
                        password,
                        role: basewatch::access::Role::parse(&role)?,
                        unit: unit.as_deref(),
                        base: base.as_deref(),
                        email: &email,
                    },
                )?;
                writeln!(out, "已创建账号 {username} (account created, id {id})")?;
            }
            UsersCommand::Token {
                username,
                label,
                days,
            } => {
                let days = (days > 0).then_some(days);
                let (id, token) = basewatch::access::issue_token(&mut db, &username, &label, days)?;
                writeln!(out, "{token}")?;
                eprintln!(
                    "令牌 #{id}，{}；此令牌只显示一次，请妥善保存 (shown once; store it safely)",
                    days.map_or(
                        "长期有效，直至撤销 (valid until revoked)".to_string(),
                        |d| { format!("{d} 天后失效 (expires in {d} days)") }
                    )
                );
            }
            UsersCommand::Tokens { username } => {
                let u = basewatch::db::users::find_by_username(&mut db, &username)?
                    .ok_or_else(|| anyhow::anyhow!("未找到用户 {username} (no such user)"))?;
                writeln!(
                    out,
                    "编号\t用途\t创建(UTC)\t失效(UTC)\t撤销(UTC)\t最近使用(UTC)"
                )?;
                let t = |v: Option<chrono::NaiveDateTime>| {
                    v.map_or("—".to_string(), |v| {
                        v.format("%Y-%m-%d %H:%M").to_string()
                    })
                };
                for k in basewatch::db::users::tokens_of(&mut db, u.id)? {
                    writeln!(
                        out,
                        "{}\t{}\t{}\t{}\t{}\t{}",
                        k.id,
                        k.label,
                        k.created_at.format("%Y-%m-%d %H:%M"),
                        t(k.expires_at),
                        t(k.revoked_at),
                        t(k.last_used_at)
                    )?;
                }
            }
            UsersCommand::RevokeToken { id } => {
                if !basewatch::db::users::revoke_token(&mut db, id)? {
                    anyhow::bail!("令牌 #{id} 不存在或已撤销 (no such live token)");
                }
                writeln!(out, "令牌 #{id} 已撤销 (revoked)")?;
            }
        },
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
                own: None,
                unit: None,
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
            if as_of.is_some() && year.start() != year.end() {
                anyhow::bail!("--as-of 只能用于单个年度 (--as-of takes a single year)");
            }
            // One read of the register serves every year of the range, read
            // while the years' inputs are; each year is stored as it is
            // computed.
            let (_bases, cards) = compliance::evaluate_and_store_years(
                &mut db,
                &settings.database_url,
                &settings.rulebook,
                year,
                as_of,
                basewatch::today(),
            )?;
            match format {
                OutputFormat::Table => {
                    for card in &cards {
                        compliance::output::write_table(card, &mut out)?;
                    }
                }
                OutputFormat::Csv => compliance::output::write_csv_years(&cards, &mut out)?,
                OutputFormat::Json => {
                    compliance::output::write_json_years(&cards, &mut out)?;
                    writeln!(out)?;
                }
            }
            for card in &cards {
                let dis = card.disagreements();
                if !dis.is_empty() {
                    eprintln!("注意：{} 年以下基地的年度填报数与活动明细合计不一致（按填报数计分）(declared counts and records disagree):", card.year);
                    for r in dis.iter().take(50) {
                        eprintln!("  {} {} {}", r.base_code, r.base_name, r.indicator);
                    }
                    if dis.len() > 50 {
                        eprintln!("  …… 共 {} 项 (in all)", dis.len());
                    }
                }
            }
        }
        // Handled before the settings are read: they make their own database.
        Command::Demo { .. } | Command::Bench { .. } => {}
    }
    Ok(ExitCode::SUCCESS)
}
