//! The import driver: read → validate every row → write all valid rows at once, or nothing.
//!
//! 1. The header must name every required column and no unknown one (errors on line 1).
//! 2. Every row is parsed and validated on its own ([`Kind::parse`]), then keys are checked
//!    for duplicates within the file (`import.duplicate_key`), then chunks of rows are checked
//!    against storage ([`Kind::check`]: references, identical rows, conflicts).
//! 3. If any row is invalid and `skip_invalid` is off, nothing is written. Otherwise the new
//!    rows go in ONE write transaction as chunked multi-row `INSERT`s ([`super::batch`]) with
//!    ONE audit entry (`import_<entity>`, resource `import`, resource id = the batch id; the
//!    per-row alternative would double the write time for 100,000 rows and the batch id already
//!    ties every row to the entry through the file), and one change-feed event per new row the
//!    feed reports (credentials, registrations, assignments: the events their API creates
//!    append), numbered consecutively by [`events::record_created_batch`]. Identical stored rows
//!    are skipped, so a re-import writes nothing and records no entry and no event.

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;

use anyhow::Context;
use sea_orm::Value;

use super::cells::Cells;
use super::progress::Progress;
use super::{Entity, Kind, RowError, Verdict, batch, cli_principal};
use crate::audit::{self, AuditEvent};
use crate::events::relevance;
use crate::events::{self, CreatedRow};
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

/// Imports `input` (CSV with a header) as `entity` rows.
pub async fn import(
    state: &AppState,
    entity: Entity,
    input: impl Read,
    opts: &ImportOptions,
) -> anyhow::Result<ImportReport> {
    super::with_kind!(entity, state, k => run(k, state, input, opts).await)
}

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

async fn run<K: Kind>(
    k: &K,
    state: &AppState,
    input: impl Read,
    opts: &ImportOptions,
) -> anyhow::Result<ImportReport> {
    let name = K::ENTITY.name();
    let mut report = ImportReport {
        batch_id: uuid::Uuid::now_v7().to_string(),
        ..ImportReport::default()
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(input);
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

    // 1. parse and validate each row on its own
    let mut items: Vec<Item<K::Row>> = Vec::new();
    let mut p = progress(opts, &format!("validating {name}"), None);
    for record in reader.records() {
        let (line, raw, row) = match record {
            Ok(raw) => {
                let line = raw.position().map_or(0, |p| p.line());
                let row = if raw.len() == headers.len() {
                    let cells = Cells::new(&columns, &raw);
                    k.parse(&cells)
                } else {
                    Err(vec![ProblemField {
                        field: "row".into(),
                        rule: "csv.field_count".into(),
                        message: format!("expected {} fields, found {}", headers.len(), raw.len()),
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
        items.push(Item {
            line,
            raw,
            row,
            verdict: None,
        });
        p.inc(1);
    }
    p.finish();
    report.rows = items.len() as u64;

    // 2. keys unique within the file
    let mut seen: HashMap<(&'static str, String), u64> = HashMap::new();
    for item in &mut items {
        let Ok(row) = &item.row else { continue };
        let mut dup = Vec::new();
        for key in K::keys(row) {
            let field = key.0;
            if let Some(first) = seen.get(&key) {
                dup.push(ProblemField {
                    field: field.to_owned(),
                    rule: "import.duplicate_key".into(),
                    message: format!("same key as line {first}"),
                });
            } else {
                seen.insert(key, item.line);
            }
        }
        if !dup.is_empty() {
            item.row = Err(dup);
        }
    }
    drop(seen);

    // 3. references and stored rows
    let mut p = progress(opts, &format!("checking {name}"), Some(report.rows));
    let mut seen = K::Seen::default();
    for chunk in items.chunks_mut(CHECK_CHUNK) {
        let n = chunk.len() as u64;
        let mut valid: Vec<&mut Item<K::Row>> =
            chunk.iter_mut().filter(|i| i.row.is_ok()).collect();
        let mut rows: Vec<&mut K::Row> = valid
            .iter_mut()
            .filter_map(|i| i.row.as_mut().ok())
            .collect();
        let verdicts = k.check(&state.db, &mut rows, &mut seen).await?;
        drop(rows);
        for (item, v) in valid.into_iter().zip(verdicts) {
            item.verdict = Some(v);
        }
        p.inc(n);
    }
    p.finish();

    for item in &mut items {
        let errors = match (&item.row, &item.verdict) {
            (Err(errors), _) => errors.clone(),
            (Ok(_), Some(Verdict::Reject(errors))) => errors.clone(),
            _ => continue,
        };
        report.rejected += 1;
        report
            .errors
            .extend(errors.into_iter().map(|e| RowError::at(item.line, e)));
    }
    if let Some(path) = &opts.rejected {
        write_rejected(path, &headers, &items)?;
    }
    if report.rejected > 0 && !opts.skip_invalid {
        return Ok(report);
    }

    // 4. write the new rows, all or nothing
    let new: Vec<&K::Row> = items
        .iter()
        .filter(|i| i.verdict == Some(Verdict::New))
        .filter_map(|i| i.row.as_ref().ok())
        .collect();
    report.unchanged = items
        .iter()
        .filter(|i| i.verdict == Some(Verdict::Same))
        .count() as u64;
    if new.is_empty() {
        return Ok(report);
    }
    let mut p = progress(opts, &format!("writing {name}"), Some(new.len() as u64));
    let feed = Feed::of::<K>()?;
    let mut created = Vec::new();
    let mut each = Vec::new();
    let txn = crate::db::begin_write(&state.db).await?;
    for chunk in new.chunks(batch::chunk_rows(K::COLUMNS.len())) {
        let values = chunk
            .iter()
            .map(|r| k.values(r))
            .collect::<Result<Vec<_>, _>>()?;
        for v in &values {
            match &feed {
                Feed::Silent => {}
                Feed::Workers { .. } => created.extend(feed.worker_row(v)?),
                Feed::Each { id } => each.push(id_at(v, *id)?),
            }
        }
        report.inserted += batch::insert(&txn, K::TABLE, K::COLUMNS, values).await?;
        p.inc(chunk.len() as u64);
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
    report.events = events::record_created_batch(&txn, K::RESOURCE, &created).await?;
    for id in &each {
        let change = events::Change::created(K::RESOURCE, id, None);
        report.events += u64::from(events::record(&txn, change).await?.is_some());
    }
    txn.commit().await?;
    p.finish();
    report.written = true;
    Ok(report)
}

/// How the change feed hears of the new rows of a [`Kind`]: as the API's creates of the
/// resource would report them ([`relevance::created`]).
#[derive(Debug, PartialEq, Eq)]
enum Feed {
    /// Creates of the resource are not reported (the rows are not collected).
    Silent,
    /// One event per new row of a worker, appended in batches: the positions of the row's id
    /// and worker among its insert values. A row without a worker (an organisation's credit
    /// entry) appends none, as in the API.
    Workers { id: usize, worker_id: usize },
    /// One event per new row that belongs to no worker (policy versions): the position of
    /// its id.
    Each { id: usize },
}

impl Feed {
    fn of<K: Kind>() -> anyhow::Result<Self> {
        if relevance::created(K::RESOURCE).is_none() {
            return Ok(Self::Silent);
        }
        let at = |c: &str| K::COLUMNS.iter().position(|k| *k == c);
        let id = at("id").with_context(|| {
            format!(
                "{} rows are reported to the feed but have no id",
                K::RESOURCE
            )
        })?;
        Ok(match at("worker_id") {
            Some(worker_id) => Self::Workers { id, worker_id },
            None => Self::Each { id },
        })
    }

    /// The created row of a worker's new row, from its insert values (`None`: no worker).
    fn worker_row(&self, values: &[Value]) -> anyhow::Result<Option<CreatedRow>> {
        let Self::Workers { id, worker_id } = *self else {
            return Ok(None);
        };
        if matches!(values.get(worker_id), Some(Value::String(None))) {
            return Ok(None);
        }
        Ok(Some(CreatedRow {
            id: id_at(values, id)?,
            worker_id: id_at(values, worker_id)?,
        }))
    }
}

/// The id at position `i` of a new row's insert values.
fn id_at(values: &[Value], i: usize) -> anyhow::Result<String> {
    match values.get(i) {
        Some(Value::String(Some(s))) => Ok(s.clone()),
        _ => Err(anyhow::anyhow!("column {i} of a new row is not an id")),
    }
}

fn write_rejected<R>(
    path: &std::path::Path,
    headers: &csv::StringRecord,
    items: &[Item<R>],
) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_path(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    let mut header = vec!["line", "errors"];
    header.extend(headers.iter());
    w.write_record(&header)?;
    for item in items {
        let errors = match (&item.row, &item.verdict) {
            (Err(errors), _) | (Ok(_), Some(Verdict::Reject(errors))) => errors,
            _ => continue,
        };
        let text = errors
            .iter()
            .map(|e| format!("field {}: rule {}: {}", e.field, e.rule, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        let mut record = vec![item.line.to_string(), text];
        record.extend(item.raw.iter().map(str::to_owned));
        w.write_record(&record)?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{
        allowance_payments, allowance_policies, appraisals, assignments, continuing_education,
        credentials, credit_entries, objections, posts, registrations, units, workers,
    };
    use super::*;

    #[test]
    fn the_feed_finds_id_and_worker_of_every_reported_kind() {
        let workers = |id, worker_id| Feed::Workers { id, worker_id };
        assert_eq!(
            Feed::of::<credentials::Credentials>().unwrap(),
            workers(0, 1)
        );
        assert_eq!(
            Feed::of::<assignments::Assignments>().unwrap(),
            workers(0, 1)
        );
        assert_eq!(
            Feed::of::<registrations::Registrations>().unwrap(),
            workers(0, 2)
        );
        assert_eq!(Feed::of::<appraisals::Appraisals>().unwrap(), workers(0, 1));
        assert_eq!(
            Feed::of::<credit_entries::CreditEntries>().unwrap(),
            workers(0, 2)
        );
        assert_eq!(
            Feed::of::<allowance_payments::AllowancePayments>().unwrap(),
            workers(0, 1)
        );
        // policy versions belong to no worker: one event each
        assert_eq!(
            Feed::of::<allowance_policies::AllowancePolicies>().unwrap(),
            Feed::Each { id: 0 }
        );
        // creates of workers, units, posts, continuing education and objections are not
        // reported
        assert_eq!(
            Feed::of::<workers::Workers<'static>>().unwrap(),
            Feed::Silent
        );
        assert_eq!(Feed::of::<units::Units>().unwrap(), Feed::Silent);
        assert_eq!(Feed::of::<posts::Posts>().unwrap(), Feed::Silent);
        assert_eq!(
            Feed::of::<continuing_education::ContinuingEducation>().unwrap(),
            Feed::Silent
        );
        assert_eq!(Feed::of::<objections::Objections>().unwrap(), Feed::Silent);
    }

    #[test]
    fn a_created_row_is_read_from_its_values() {
        let f = Feed::Workers {
            id: 0,
            worker_id: 2,
        };
        let values = [
            Value::from("r-1".to_owned()),
            Value::from("c-1".to_owned()),
            Value::from("w-1".to_owned()),
        ];
        assert_eq!(
            f.worker_row(&values).unwrap(),
            Some(CreatedRow {
                id: "r-1".into(),
                worker_id: "w-1".into()
            })
        );
        assert!(f.worker_row(&values[..2]).is_err());
        // an organisation's credit entry: no worker, no event
        let org = [
            Value::from("e-1".to_owned()),
            Value::from("organisation".to_owned()),
            Value::String(None),
        ];
        assert_eq!(f.worker_row(&org).unwrap(), None);
    }
}
