//! The import driver: read → validate every row → write all valid rows at once, or nothing,
//! streaming the file so memory stays bounded whatever its size.
//!
//! 1. The header must name every required column and no unknown one (errors on line 1).
//! 2. Pass 1 reads the file row by row. Each row is parsed and validated on its own
//!    ([`Kind::parse`]); its keys must not repeat an earlier row's (`import.duplicate_key`: the
//!    driver keeps a 128-bit [`fingerprint`] and the first line of each key, not the rows);
//!    every [`CHECK_CHUNK`] rows are checked against storage and the file's earlier rows
//!    ([`Kind::check`]: references, identical rows, conflicts). Rejected rows go to the errors
//!    and the rejected-rows file as they are found; the insert values of the new rows go to a
//!    temporary [`Spool`]. Only one chunk of rows is in memory at a time.
//! 3. If any row is invalid and `skip_invalid` is off, nothing is written. Otherwise pass 2
//!    reads the spool back and writes the new rows in ONE write transaction as chunked
//!    multi-row `INSERT`s ([`super::batch`]) with ONE audit entry (`import_<entity>`, resource
//!    `import`, resource id = the batch id; the per-row alternative would double the write time
//!    for 100,000 rows and the batch id already ties every row to the entry through the file),
//!    and one change-feed event per new row the feed reports, as the API's creates would
//!    ([`Feed`]), numbered consecutively. Identical stored rows are skipped, so a re-import
//!    writes nothing and records no entry and no event.
//!
//! What pass 2 writes is what pass 1 checked, as when the whole file was held in memory: the
//! checks run outside the write transaction, before it, in both designs.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::cells::Cells;
use super::feed::Feed;
use super::fingerprint::{self, FpMap};
use super::progress::Progress;
use super::spool::{Spool, TempFile};
use super::{Entity, Kind, RowError, Verdict, batch, cli_principal};
use crate::audit::{self, AuditEvent};
use crate::problem::ProblemField;
use crate::state::AppState;

/// Rows per storage check.
pub const CHECK_CHUNK: usize = 500;

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Write the valid rows even if some are invalid.
    pub skip_invalid: bool,
    /// Where to write the rejected rows (CSV: `line,errors,` then the file's columns).
    pub rejected: Option<PathBuf>,
    /// Show progress on stderr.
    pub progress: bool,
}

/// What an import did.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// The batch id (the audit entry's resource id).
    pub batch_id: String,
    /// Data rows read.
    pub rows: u64,
    /// Rows inserted.
    pub inserted: u64,
    /// Valid rows already stored with the same values.
    pub unchanged: u64,
    /// Rows refused.
    pub rejected: u64,
    /// Every broken rule, by line.
    pub errors: Vec<RowError>,
    /// Change-feed events appended (one per inserted eligibility-relevant row).
    pub events: u64,
    /// Whether anything was written.
    pub written: bool,
}

/// Imports the CSV file at `path` (with a header) as `entity` rows. The file is read twice (a
/// count of its rows, for the key table's size and the progress bar, then the rows).
pub async fn import_file(
    state: &AppState,
    entity: Entity,
    path: &Path,
    opts: &ImportOptions,
) -> anyhow::Result<ImportReport> {
    super::with_kind!(entity, state, k => run(k, state, path, opts).await)
}

/// Imports CSV read from `input` (with a header; e.g. stdin) as `entity` rows: copied to a
/// private temporary file first (removed afterwards), which [`import_file`] then streams.
pub async fn import(
    state: &AppState,
    entity: Entity,
    mut input: impl Read,
    opts: &ImportOptions,
) -> anyhow::Result<ImportReport> {
    let name = format!("import-{}.csv", uuid::Uuid::now_v7());
    let (copy, mut file) = TempFile::create(&name)?;
    std::io::copy(&mut input, &mut file).context("cannot copy the input")?;
    file.flush()?;
    drop(file);
    import_file(state, entity, copy.path(), opts).await
}

/// One row of the file while its chunk is checked.
struct Item<R> {
    line: u64,
    raw: csv::StringRecord,
    row: Result<R, Vec<ProblemField>>,
    verdict: Option<Verdict>,
}

fn header_errors<K: Kind>(headers: &csv::StringRecord) -> Vec<RowError> {
    let mut errors = Vec::new();
    for h in headers {
        if !K::HEADER.contains(&h) {
            errors.push(RowError {
                line: 1,
                field: h.to_owned(),
                rule: "csv.unknown_column".into(),
                message: format!("not a column of {}.csv", K::ENTITY.name()),
            });
        }
    }
    for r in K::REQUIRED {
        if !headers.iter().any(|h| h == *r) {
            errors.push(RowError {
                line: 1,
                field: (*r).to_owned(),
                rule: "csv.missing_column".into(),
                message: "the header must name this column".into(),
            });
        }
    }
    errors
}

fn progress(opts: &ImportOptions, phase: &str, total: Option<u64>) -> Progress {
    if opts.progress {
        Progress::new(phase, total)
    } else {
        Progress::quiet(phase)
    }
}

fn open(path: &Path) -> anyhow::Result<csv::Reader<BufReader<File>>> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(BufReader::with_capacity(1 << 16, file)))
}

/// The number of data rows (records after the header), counted without reading the cells.
fn count_rows(path: &Path) -> anyhow::Result<u64> {
    let mut reader = open(path)?;
    let mut record = csv::ByteRecord::new();
    let mut n = 0;
    while reader.read_byte_record(&mut record)? {
        n += 1;
    }
    Ok(n)
}

/// Parses one record of the file (or names why it cannot be read).
fn parse<K: Kind>(
    k: &K,
    width: usize,
    columns: &HashMap<String, usize>,
    record: Result<csv::StringRecord, csv::Error>,
) -> Item<K::Row> {
    let (line, raw, row) = match record {
        Ok(raw) => {
            let line = raw.position().map_or(0, |p| p.line());
            let row = if raw.len() == width {
                k.parse(&Cells::new(columns, &raw))
            } else {
                Err(vec![ProblemField {
                    field: "row".into(),
                    rule: "csv.field_count".into(),
                    message: format!("expected {width} fields, found {}", raw.len()),
                }])
            };
            (line, raw, row)
        }
        Err(e) => {
            let line = e.position().map_or(0, |p| p.line());
            let message = match e.kind() {
                csv::ErrorKind::Utf8 { .. } => "the row is not valid UTF-8",
                _ => "the row cannot be read as CSV",
            };
            let row = Err(vec![ProblemField {
                field: "row".into(),
                rule: "csv.malformed".into(),
                message: message.into(),
            }]);
            (line, csv::StringRecord::new(), row)
        }
    };
    Item {
        line,
        raw,
        row,
        verdict: None,
    }
}

/// The first line of every key seen so far, by fingerprint of `(column, key)`: 20 bytes a key
/// (a line past `u32::MAX`, four billion, is remembered as `u32::MAX`).
type Keys = FpMap<u32>;

/// Refuses `item` when one of its keys is on an earlier row; remembers the keys it is first
/// to use.
fn check_keys<K: Kind>(keys: &mut Keys, item: &mut Item<K::Row>) {
    let Ok(row) = &item.row else { return };
    let line = u32::try_from(item.line).unwrap_or(u32::MAX);
    let mut dup = Vec::new();
    for (field, key) in K::keys(row) {
        let first = *keys.entry(fingerprint::of(&[field, &key])).or_insert(line);
        if first != line {
            dup.push(ProblemField {
                field: field.to_owned(),
                rule: "import.duplicate_key".into(),
                message: format!("same key as line {first}"),
            });
        }
    }
    if !dup.is_empty() {
        item.row = Err(dup);
    }
}

/// What pass 1 found so far.
struct Pass1<'a, K: Kind> {
    k: &'a K,
    state: &'a AppState,
    seen: K::Seen,
    rejected_file: Option<csv::Writer<File>>,
    spool: Spool,
    unchanged: u64,
    /// Whether new rows are still worth spooling (not once a row is refused and nothing will
    /// be written).
    spooling: bool,
}

impl<K: Kind> Pass1<'_, K> {
    /// Checks one chunk against storage and the earlier rows, then settles each row: refused
    /// (errors, rejected file), unchanged, or new (spooled); empties the chunk.
    async fn settle(
        &mut self,
        chunk: &mut Vec<Item<K::Row>>,
        report: &mut ImportReport,
        checking: &mut Progress,
        opts: &ImportOptions,
    ) -> anyhow::Result<()> {
        if chunk.is_empty() {
            return Ok(());
        }
        let mut valid: Vec<&mut Item<K::Row>> =
            chunk.iter_mut().filter(|i| i.row.is_ok()).collect();
        let mut rows: Vec<&mut K::Row> = valid
            .iter_mut()
            .filter_map(|i| i.row.as_mut().ok())
            .collect();
        let verdicts = self
            .k
            .check(&self.state.db, &mut rows, &mut self.seen)
            .await?;
        drop(rows);
        for (item, v) in valid.into_iter().zip(verdicts) {
            item.verdict = Some(v);
        }
        for item in chunk.iter() {
            let errors = match (&item.row, &item.verdict) {
                (Err(errors), _) | (Ok(_), Some(Verdict::Reject(errors))) => errors,
                (Ok(row), Some(Verdict::New)) => {
                    if self.spooling {
                        self.spool.push(&self.k.new_row(row)?)?;
                    }
                    continue;
                }
                (Ok(_), Some(Verdict::Same)) => {
                    self.unchanged += 1;
                    continue;
                }
                (Ok(_), None) => continue,
            };
            report.rejected += 1;
            report
                .errors
                .extend(errors.iter().map(|e| RowError::at(item.line, e.clone())));
            if let Some(w) = &mut self.rejected_file {
                let text = errors
                    .iter()
                    .map(|e| format!("field {}: rule {}: {}", e.field, e.rule, e.message))
                    .collect::<Vec<_>>()
                    .join("; ");
                let mut record = vec![item.line.to_string(), text];
                record.extend(item.raw.iter().map(str::to_owned));
                w.write_record(&record)?;
            }
        }
        self.spooling = opts.skip_invalid || report.rejected == 0;
        checking.inc(chunk.len() as u64);
        chunk.clear();
        Ok(())
    }
}

async fn run<K: Kind>(
    k: &K,
    state: &AppState,
    path: &Path,
    opts: &ImportOptions,
) -> anyhow::Result<ImportReport> {
    let name = K::ENTITY.name();
    let mut report = ImportReport {
        batch_id: uuid::Uuid::now_v7().to_string(),
        ..ImportReport::default()
    };
    let mut reader = open(path)?;
    let headers = reader.headers().context("cannot read the header")?.clone();
    report.errors = header_errors::<K>(&headers);
    if !report.errors.is_empty() {
        return Ok(report);
    }
    let columns: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.to_owned(), i))
        .collect();
    let rejected_file = match &opts.rejected {
        None => None,
        Some(p) => {
            let mut w = csv::Writer::from_path(p)
                .with_context(|| format!("cannot create {}", p.display()))?;
            let mut header = vec!["line", "errors"];
            header.extend(headers.iter());
            w.write_record(&header)?;
            Some(w)
        }
    };

    // pass 1: parse, keys, storage checks, chunk by chunk
    let total = count_rows(path)?;
    let (mut validating, mut checking) = if opts.progress {
        Progress::pair(
            (&format!("validating {name}"), None),
            (&format!("checking {name}"), Some(total)),
        )
    } else {
        (Progress::quiet(name), Progress::quiet(name))
    };
    let mut pass = Pass1 {
        k,
        state,
        seen: K::Seen::default(),
        rejected_file,
        spool: Spool::create(&report.batch_id)?,
        unchanged: 0,
        spooling: true,
    };
    let mut keys = Keys::default();
    let mut chunk: Vec<Item<K::Row>> = Vec::with_capacity(CHECK_CHUNK);
    for record in reader.records() {
        let mut item = parse(k, headers.len(), &columns, record);
        check_keys::<K>(&mut keys, &mut item);
        chunk.push(item);
        report.rows += 1;
        validating.inc(1);
        if chunk.len() == CHECK_CHUNK {
            if report.rows == CHECK_CHUNK as u64 {
                // room for the whole file's keys at once: no copy of the table while it grows
                let per_row = keys.len() as u64 / report.rows;
                keys.reserve(usize::try_from(
                    total.saturating_sub(report.rows) * per_row,
                )?);
            }
            pass.settle(&mut chunk, &mut report, &mut checking, opts)
                .await?;
        }
    }
    validating.finish();
    pass.settle(&mut chunk, &mut report, &mut checking, opts)
        .await?;
    drop(keys);
    checking.finish();
    if let Some(mut w) = pass.rejected_file.take() {
        w.flush()?;
    }
    if report.rejected > 0 && !opts.skip_invalid {
        return Ok(report);
    }
    report.unchanged = pass.unchanged;
    if pass.spool.rows() == 0 {
        return Ok(report);
    }

    // pass 2: the new rows, all or nothing
    let mut p = progress(opts, &format!("writing {name}"), Some(pass.spool.rows()));
    let feed = Feed::of::<K>()?;
    let mut new = pass.spool.read()?;
    let txn = crate::db::begin_write(&state.db).await?;
    loop {
        let values = new.next_rows(batch::chunk_rows(K::COLUMNS.len()))?;
        if values.is_empty() {
            break;
        }
        let n = values.len() as u64;
        let created = feed.created(&values)?;
        report.inserted += batch::insert(&txn, K::TABLE, K::COLUMNS, values).await?;
        report.events += feed.record(&txn, K::RESOURCE, &created).await?;
        p.inc(n);
    }
    let principal = cli_principal("import");
    let action = format!("import_{name}");
    audit::append(
        &txn,
        AuditEvent {
            principal: &principal,
            action: &action,
            resource: "import",
            resource_id: &report.batch_id,
            request_id: &report.batch_id,
            worker_id: None,
        },
    )
    .await?;
    txn.commit().await?;
    p.finish();
    report.written = true;
    Ok(report)
}
