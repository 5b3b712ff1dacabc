//! `registry-api audit verify` and `registry-api audit checkpoint`: checking the audit chains
//! from outside the service: the register's, which holds every write, and the read log's
//! ([`crate::db::read_log`]), which holds the reads of personal records.
//!
//! [`verify_chain`] streams one whole chain in `seq` order, [`PAGE_SIZE`] rows at a time (memory
//! stays bounded however long the log is), recomputes every hash with
//! [`crate::audit::entry_hash`], and checks that `seq` runs 1, 2, 3, … without gaps and that
//! each `prev_hash` is the previous entry's hash. It stops at the FIRST broken entry and says
//! which and why. [`check_checkpoint`] then confirms that a signed checkpoint's entry is still
//! there with the same hash (see [`crate::checkpoint`]). [`run`] is the command itself; `main`
//! and the tests both call it.

use std::io::Write;

use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::audit::{GENESIS_HASH, entry_hash};
use crate::checkpoint::{ChainHead, Checkpoint};
use crate::cli::AuditCommand;
use crate::config::Config;
use crate::db::entities::audit_log;
use crate::db::{now_utc, read_log};

/// Rows read per query while verifying.
pub const PAGE_SIZE: u64 = 1000;

/// The outcome of [`verify_chain`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainReport {
    /// Every entry checks out.
    Intact {
        /// Number of entries.
        count: i64,
        /// Sequence number of the head (0 when empty).
        head_seq: i64,
        /// Hash of the head (the genesis hash when empty).
        head_hash: String,
    },
    /// The first entry that does not check out.
    Broken {
        /// Its sequence number (the expected one, for a gap).
        seq: i64,
        /// What is wrong.
        problem: String,
    },
}

/// Verifies the whole chain (see the module docs).
pub async fn verify_chain(db: &DatabaseConnection) -> Result<ChainReport, DbErr> {
    let mut expected_seq: i64 = 1;
    let mut prev_hash = GENESIS_HASH.to_owned();
    loop {
        let rows = audit_log::Entity::find()
            .filter(audit_log::Column::Seq.gte(expected_seq))
            .order_by_asc(audit_log::Column::Seq)
            .limit(PAGE_SIZE)
            .all(db)
            .await?;
        if rows.is_empty() {
            break;
        }
        for m in rows {
            if m.seq != expected_seq {
                return Ok(ChainReport::Broken {
                    seq: expected_seq,
                    problem: format!(
                        "entry {expected_seq} is missing (the next entry is {})",
                        m.seq
                    ),
                });
            }
            if m.prev_hash != prev_hash {
                return Ok(ChainReport::Broken {
                    seq: m.seq,
                    problem: format!(
                        "prev_hash does not match the hash of entry {} (stored {}, expected {})",
                        m.seq - 1,
                        m.prev_hash,
                        prev_hash
                    ),
                });
            }
            let computed = entry_hash(
                &m.prev_hash,
                m.seq,
                &m.at,
                &m.actor,
                &m.role,
                &m.action,
                &m.resource,
                &m.resource_id,
                &m.request_id,
                m.worker_id.as_deref(),
            );
            if computed != m.hash {
                return Ok(ChainReport::Broken {
                    seq: m.seq,
                    problem: format!(
                        "hash does not match the entry's fields (stored {}, computed {computed}): \
                         the entry was altered",
                        m.hash
                    ),
                });
            }
            prev_hash = m.hash;
            expected_seq += 1;
        }
    }
    Ok(ChainReport::Intact {
        count: expected_seq - 1,
        head_seq: expected_seq - 1,
        head_hash: prev_hash,
    })
}

/// `None` when entry `cp.seq` of the chain in `db` is still there with hash `cp.head`;
/// otherwise what is wrong.
pub async fn check_checkpoint(
    db: &DatabaseConnection,
    cp: &ChainHead,
) -> Result<Option<String>, DbErr> {
    if cp.seq == 0 {
        return Ok((cp.head != GENESIS_HASH)
            .then(|| "checkpoint of an empty log names a head hash".to_owned()));
    }
    Ok(match audit_log::Entity::find_by_id(cp.seq).one(db).await? {
        None => Some(format!(
            "entry {} named by the checkpoint is missing: the log was truncated",
            cp.seq
        )),
        Some(m) if m.hash != cp.head => Some(format!(
            "entry {} has hash {} but the checkpoint recorded {}: the log was rewritten",
            cp.seq, m.hash, cp.head
        )),
        Some(_) => None,
    })
}

/// An intact chain's entry count and head; `None` after writing where a broken one breaks
/// (`of` names the chain in the report, empty for the register's) and, for `audit
/// checkpoint`, that none was taken.
fn intact(
    report: ChainReport,
    of: &str,
    cmd: &AuditCommand,
    out: &mut dyn Write,
) -> std::io::Result<Option<(i64, ChainHead)>> {
    match report {
        ChainReport::Intact {
            count,
            head_seq,
            head_hash,
        } => Ok(Some((
            count,
            ChainHead {
                seq: head_seq,
                head: head_hash,
            },
        ))),
        ChainReport::Broken { seq, problem } => {
            writeln!(out, "BROKEN at seq {seq}{of}: {problem}")?;
            if matches!(cmd, AuditCommand::Checkpoint) {
                writeln!(out, "no checkpoint taken: the chain is broken")?;
            }
            Ok(None)
        }
    }
}

/// Runs an `audit` subcommand over the register's chain and then the read log's (created
/// empty if the deployment has none yet; an existing one is only read), writing its report
/// to `out`. `Ok(true)` when everything checks out (exit 0), `Ok(false)` when a chain or the
/// checkpoint is broken (exit 1).
pub async fn run(config: &Config, cmd: &AuditCommand, out: &mut dyn Write) -> anyhow::Result<bool> {
    use anyhow::Context;
    let db = crate::db::connect(config)
        .await
        .context("cannot open the database")?;
    let reads = read_log::connect(config)
        .await
        .context("cannot open the read log")?;
    if !read_log::exists(&reads).await? {
        read_log::ensure_schema(&reads)
            .await
            .context("cannot prepare the read log")?;
    }
    let Some((count, head)) = intact(verify_chain(&db).await?, "", cmd, out)? else {
        return Ok(false);
    };
    let Some((reads_count, reads_head)) =
        intact(verify_chain(&reads).await?, " of the read log", cmd, out)?
    else {
        return Ok(false);
    };
    match cmd {
        AuditCommand::Checkpoint => {
            let at = now_utc().replace_nanosecond(0).context("clock")?;
            let line = Checkpoint {
                seq: head.seq,
                head: head.head,
                reads: Some(reads_head),
                at,
            }
            .sign(&config.audit_key)?;
            writeln!(out, "{line}")?;
            Ok(true)
        }
        AuditCommand::Verify { checkpoint } => {
            let cp = checkpoint
                .as_deref()
                .map(|line| Checkpoint::parse_signed(line, &config.audit_key))
                .transpose()
                .context("--checkpoint")?;
            if let Some(cp) = &cp {
                let register = ChainHead {
                    seq: cp.seq,
                    head: cp.head.clone(),
                };
                if let Some(problem) = check_checkpoint(&db, &register).await? {
                    writeln!(out, "BROKEN at seq {}: {problem}", cp.seq)?;
                    return Ok(false);
                }
                if let Some(r) = &cp.reads
                    && let Some(problem) = check_checkpoint(&reads, r).await?
                {
                    writeln!(out, "BROKEN at seq {} of the read log: {problem}", r.seq)?;
                    return Ok(false);
                }
            }
            write!(
                out,
                "OK: {count} entries, head seq {} hash {}; \
                 read log: {reads_count} entries, head seq {} hash {}",
                head.seq, head.head, reads_head.seq, reads_head.head
            )?;
            if let Some(cp) = &cp {
                write!(out, "; checkpoint at seq {} matches", cp.seq)?;
                if let Some(r) = &cp.reads {
                    write!(out, " (read log seq {})", r.seq)?;
                }
            }
            writeln!(out)?;
            Ok(true)
        }
    }
}
