//! `registry-api`: parses the command line, sets up logging, and runs a command.

use anyhow::{Context, Result, bail};
use clap::Parser;
use registry_api::AppState;
use registry_api::auth::{Role, api_key, jwt};
use registry_api::cli::{Cli, Command, ImportArgs, KeysCommand};
use registry_api::config::Config;
use registry_api::log_writer::{BatchedLog, LogGuard};
use registry_core::ids::RegionCode;

/// mimalloc instead of the system allocator, for Rust and (its `override` feature) for the
/// bundled SQLite's C code as well (see the workspace `Cargo.toml`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Sets up logging to stderr. For `serve`, lines are gathered and written in batches by a
/// thread of their own ([`BatchedLog`]: never dropping a line, never reordering), so a
/// request handler only appends its access-log line; the returned guard writes out what is
/// gathered when it is dropped. Other commands write directly.
fn init_logging(serve: bool) -> Result<Option<LogGuard>> {
    use tracing_subscriber::EnvFilter;
    use tracing_subscriber::fmt::writer::BoxMakeWriter;
    let filter = EnvFilter::try_from_env("REGISTRY_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"));
    let (writer, guard) = if serve {
        let (writer, guard) =
            BatchedLog::start(std::io::stderr()).context("starting the log-writer thread")?;
        (BoxMakeWriter::new(writer), Some(guard))
    } else {
        (BoxMakeWriter::new(std::io::stderr), None)
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(writer);
    if std::env::var("REGISTRY_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
    Ok(guard)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

fn parse_role(s: &str) -> Result<Role> {
    Role::parse(s).with_context(|| format!("--role must be admin, hr or worker, not {s:?}"))
}

fn parse_region(s: &str) -> Result<RegionCode> {
    RegionCode::parse(s).map_err(|e| anyhow::anyhow!("--region {s:?}: {e}"))
}

/// Runs `import`; prints every error and a summary to stderr. False (exit 1) when rows were
/// rejected, unless `--skip-invalid` wrote the others (then only a bad header fails).
async fn bulk_import(state: &AppState, args: &ImportArgs) -> Result<bool> {
    use registry_api::bulk::{ImportOptions, import, import_file};
    let opts = ImportOptions {
        skip_invalid: args.skip_invalid,
        rejected: args.rejected.clone(),
        progress: true,
    };
    let report = if args.file.as_os_str() == "-" {
        import(state, args.entity, std::io::stdin().lock(), &opts).await?
    } else {
        import_file(state, args.entity, &args.file, &opts).await?
    };
    for e in &report.errors {
        eprintln!("{e}");
    }
    let name = args.entity.name();
    if report.written || report.errors.is_empty() {
        eprintln!(
            "{name}: {} rows, {} inserted, {} unchanged, {} rejected, {} feed events (batch {})",
            report.rows,
            report.inserted,
            report.unchanged,
            report.rejected,
            report.events,
            report.batch_id
        );
    } else {
        eprintln!(
            "{name}: {} of {} rows rejected; nothing written",
            report.rejected, report.rows
        );
    }
    let header_ok = report.errors.iter().all(|e| e.line > 1);
    Ok(report.errors.is_empty() || (args.skip_invalid && header_ok))
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let _log_writer = init_logging(matches!(cli.command, Command::Serve(_)))?;
    if let Command::Openapi = cli.command {
        print!("{}", registry_api::spec_yaml());
        return Ok(());
    }
    if let Command::BenchData(args) = &cli.command {
        registry_api::bulk::bench_data::write(&args.out, args.workers)?;
        eprintln!("wrote {} workers to {}", args.workers, args.out.display());
        return Ok(());
    }
    let mut config = Config::load(&cli.database_url, cli.db_max_connections)
        .and_then(|c| c.with_lock_timeout_ms(cli.db_lock_timeout_ms))
        .and_then(|c| c.with_sqlite_mmap_mib(cli.sqlite_mmap_mib))
        .context("invalid configuration")?;
    if let Command::Serve(args) = &cli.command {
        config.rate_limits = args.rate_limits();
        config = config
            .with_api_key_cache_ms(args.api_key_cache_ms)
            .context("invalid configuration")?;
    }
    match cli.command {
        Command::Openapi | Command::BenchData(_) => unreachable!("handled above"),
        Command::Import(args) => {
            let state = AppState::connect_and_migrate(&config).await?;
            if !bulk_import(&state, &args).await? {
                std::process::exit(1);
            }
        }
        Command::Export(args) => {
            let state = AppState::connect_and_migrate(&config).await?;
            let region = args.region.as_deref().map(parse_region).transpose()?;
            if args.entity == registry_api::bulk::Entity::Workers {
                eprintln!(
                    "warning: this file holds resident ID numbers in clear: it is personal data; \
                     keep it encrypted and delete it after the import"
                );
            }
            let stdout = std::io::stdout().lock();
            // progress on stderr: a bar on a terminal, plain lines otherwise
            let progress = true;
            let n =
                registry_api::bulk::export(&state, args.entity, region.as_ref(), stdout, progress)
                    .await?;
            eprintln!("exported {n} {}", args.entity.name());
        }
        Command::Serve(args) => {
            let state = AppState::connect_and_migrate(&config)
                .await
                .context("cannot open and migrate the database")?;
            let listener = tokio::net::TcpListener::bind((args.host, args.port))
                .await
                .with_context(|| format!("cannot listen on {}:{}", args.host, args.port))?;
            let addr = listener.local_addr()?;
            tracing::info!(%addr, backend = ?state.db.get_database_backend(), "listening");
            // Lines of runs a stopped process never published, in the background.
            let db = state.db.clone();
            tokio::spawn(async move {
                use registry_api::allowance_runs::unpublished::{ABANDONED_AFTER, sweep};
                match sweep(&db, std::time::SystemTime::now(), ABANDONED_AFTER).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(runs = n, "discarded abandoned allowance runs"),
                    Err(e) => {
                        tracing::warn!(error = %e, "sweeping abandoned allowance runs failed")
                    }
                }
            });
            registry_api::serve(listener, state, shutdown_signal()).await?;
        }
        Command::Migrate => {
            registry_api::db::migrate(&config).await?;
            eprintln!("migrations applied");
        }
        Command::Keys(cmd) => {
            let state = AppState::connect_and_migrate(&config).await?;
            match cmd {
                KeysCommand::Create { role, region, name } => {
                    let role = parse_role(&role)?;
                    if role == Role::Worker {
                        bail!("API keys are for systems: use --role admin or hr");
                    }
                    let region = parse_region(&region)?;
                    let (id, key) = api_key::create(&state.db, role, region, &name).await?;
                    eprintln!(
                        "created key {id} ({} in {region}); it is shown only once:",
                        role.code()
                    );
                    println!("{key}");
                }
                KeysCommand::List => {
                    for k in api_key::list(&state.db).await? {
                        println!(
                            "{}\t{}…\t{}\t{}\t{}\t{}",
                            k.id,
                            k.prefix,
                            k.role,
                            k.region_code,
                            if k.revoked_at.is_some() {
                                "revoked"
                            } else {
                                "active"
                            },
                            k.name
                        );
                    }
                }
                KeysCommand::Revoke { id } => {
                    if !api_key::revoke(&state.db, &id).await? {
                        bail!("no active key with id {id}");
                    }
                    eprintln!(
                        "revoked {id} (a running service refuses it at most its REGISTRY_API_KEY_CACHE_MS, default 1 s, from now)"
                    );
                }
            }
        }
        Command::Audit(cmd) => {
            let mut stdout = std::io::stdout().lock();
            let ok = registry_api::audit_verify::run(&config, &cmd, &mut stdout).await?;
            std::io::Write::flush(&mut stdout)?;
            if !ok {
                std::process::exit(1);
            }
        }
        Command::Token(args) => {
            let role = parse_role(&args.role)?;
            let region = args.region.as_deref().map(parse_region).transpose()?;
            match role {
                Role::Worker if args.worker_id.is_none() => {
                    bail!("--worker-id is required for role worker")
                }
                Role::Admin | Role::Hr if region.is_none() => {
                    bail!("--region is required for role {}", role.code())
                }
                _ => {}
            }
            let token = jwt::mint(
                &config.jwt,
                &args.sub,
                role,
                region.as_ref(),
                args.worker_id.as_deref(),
                time::Duration::hours(args.ttl_hours),
            )?;
            println!("{token}");
        }
    }
    Ok(())
}
