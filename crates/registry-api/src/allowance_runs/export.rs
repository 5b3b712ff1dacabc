//! Exports of a run: CSV (UTF-8 with BOM, streamed) and XLSX (rust_xlsxwriter in constant
//! memory mode), with Chinese headers, one row per worker in worker id order.
//!
//! Text cells that a spreadsheet could read as a formula (starting with `=`, `+`, `-`, `@`,
//! tab or carriage return) get a leading apostrophe ([`defuse`]). Amounts come from the
//! stored fen: CSV `"800.00"`; XLSX a number cell with the `0.00` format. Names are shown to
//! admin and hr (payroll needs them); resident ID numbers are never exported.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};

use rust_xlsxwriter::{Format, Workbook};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::api::yuan;
use super::store;
use crate::db::entities::{allowance_run_item, unit, worker};
use crate::decisions::bulk::CHUNK;
use crate::problem::ApiError;

/// The column headers.
pub const HEADERS: [&str; 8] = [
    "工作人员编号",
    "姓名",
    "等级",
    "单位",
    "是否符合",
    "金额(元)",
    "政策",
    "原因",
];

/// `s` made safe for a spreadsheet cell: a leading apostrophe when it could start a formula.
pub fn defuse(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// A CSV field: defused, and quoted when it holds a comma, quote or line break.
pub fn csv_field(s: &str) -> String {
    let s = defuse(s);
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn level_zh(code: Option<&str>) -> &'static str {
    match code {
        Some("aide") => "社工员",
        Some("assistant") => "助理社会工作师",
        Some("intermediate") => "社会工作师",
        Some("senior") => "高级社会工作师",
        _ => "",
    }
}

/// One export row (text cells still to defuse, amount in fen).
#[derive(Debug, Clone)]
pub struct Row {
    /// Worker id.
    pub worker_id: String,
    /// Worker name.
    pub name: String,
    /// Level, in Chinese.
    pub level: &'static str,
    /// Unit name (or id when the unit is gone).
    pub unit: String,
    /// 是 / 否.
    pub eligible: &'static str,
    /// Amount in fen.
    pub amount_fen: i64,
    /// `policy_id v<version>`.
    pub policy: String,
    /// Reason codes joined with `; `.
    pub reasons: String,
}

/// A chunk of export rows.
pub type Rows = Vec<Row>;

/// The next chunk of rows of `run_id` after the worker id `after` (empty at the end): one
/// query for the lines, one for the names, one for the units.
pub async fn next_rows(
    db: &DatabaseConnection,
    run_id: &str,
    after: Option<&str>,
) -> Result<Rows, ApiError> {
    let items = store::items(db, run_id, after, None, Some(CHUNK)).await?;
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = items.iter().map(|i| i.worker_id.clone()).collect();
    let names: HashMap<String, String> = worker::Entity::find()
        .filter(worker::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|w| (w.id, w.name))
        .collect();
    let unit_ids: Vec<String> = items.iter().filter_map(|i| i.unit_id.clone()).collect();
    let units: HashMap<String, String> = if unit_ids.is_empty() {
        HashMap::new()
    } else {
        unit::Entity::find()
            .filter(unit::Column::Id.is_in(unit_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect()
    };
    items
        .into_iter()
        .map(|i: allowance_run_item::Model| {
            let reasons: Vec<String> =
                serde_json::from_str(&i.reasons).map_err(ApiError::internal)?;
            Ok(Row {
                name: names.get(&i.worker_id).cloned().unwrap_or_default(),
                level: level_zh(i.level.as_deref()),
                unit: i
                    .unit_id
                    .as_ref()
                    .map(|u| units.get(u).cloned().unwrap_or_else(|| u.clone()))
                    .unwrap_or_default(),
                eligible: if i.eligible { "是" } else { "否" },
                amount_fen: i.amount_fen,
                policy: match (&i.policy_id, i.policy_version) {
                    (Some(p), Some(v)) => format!("{p} v{v}"),
                    _ => String::new(),
                },
                reasons: reasons.join("; "),
                worker_id: i.worker_id,
            })
        })
        .collect()
}

/// The CSV header line, with the UTF-8 byte-order mark spreadsheet software needs.
pub fn csv_header() -> String {
    format!("\u{feff}{}\r\n", HEADERS.join(","))
}

/// CSV lines for `rows`.
pub fn csv_lines(rows: &[Row]) -> Result<String, ApiError> {
    let mut out = String::with_capacity(rows.len() * 96);
    for r in rows {
        let fields = [
            csv_field(&r.worker_id),
            csv_field(&r.name),
            csv_field(r.level),
            csv_field(&r.unit),
            csv_field(r.eligible),
            yuan(r.amount_fen)?,
            csv_field(&r.policy),
            csv_field(&r.reasons),
        ];
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    Ok(out)
}

/// The CSV export of `run_id` as a stream of chunks (one per [`CHUNK`] lines).
pub fn csv_stream(
    db: DatabaseConnection,
    run_id: String,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    // State: None before the header, Some(after) afterwards; `done` ends the stream.
    futures_util::stream::unfold(
        (db, run_id, None::<Option<String>>, false),
        |(db, run_id, cursor, done)| async move {
            if done {
                return None;
            }
            let Some(after) = cursor else {
                return Some((
                    Ok(csv_header().into_bytes()),
                    (db, run_id, Some(None), false),
                ));
            };
            match next_rows(&db, &run_id, after.as_deref()).await {
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let last = rows.last().map(|r| r.worker_id.clone());
                    match csv_lines(&rows) {
                        Ok(s) => Some((Ok(s.into_bytes()), (db, run_id, Some(last), false))),
                        Err(e) => Some((Err(io_error(e)), (db, run_id, None, true))),
                    }
                }
                Err(e) => Some((Err(io_error(e)), (db, run_id, None, true))),
            }
        },
    )
}

fn io_error(e: ApiError) -> std::io::Error {
    tracing::error!(error = %e.detail, "allowance run export failed");
    std::io::Error::other("export failed")
}

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> ApiError {
    ApiError::internal(e)
}

/// The XLSX export of `run_id`: rows written as they are read (constant memory mode keeps
/// only the current row in memory; the rest goes to a temporary file), then the workbook
/// compressed into an anonymous temporary file (deleted when closed), returned rewound so
/// the caller streams it: memory stays bounded whatever the size of the run.
pub async fn xlsx(db: &DatabaseConnection, run_id: &str) -> Result<std::fs::File, ApiError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("0.00");
    {
        let sheet = workbook
            .add_worksheet_with_constant_memory()
            .map_err(xlsx_error)?;
        sheet.set_name("津贴").map_err(xlsx_error)?;
        for (c, h) in HEADERS.iter().enumerate() {
            sheet
                .write_string_with_format(0, c as u16, *h, &bold)
                .map_err(xlsx_error)?;
        }
    }
    let mut after: Option<String> = None;
    let mut row: u32 = 1;
    loop {
        let rows = next_rows(db, run_id, after.as_deref()).await?;
        let Some(last) = rows.last().map(|r| r.worker_id.clone()) else {
            break;
        };
        let sheet = workbook.worksheet_from_index(0).map_err(xlsx_error)?;
        for r in &rows {
            let texts = [
                (0u16, r.worker_id.as_str()),
                (1, r.name.as_str()),
                (2, r.level),
                (3, r.unit.as_str()),
                (4, r.eligible),
                (6, r.policy.as_str()),
                (7, r.reasons.as_str()),
            ];
            for (c, t) in texts {
                sheet.write_string(row, c, defuse(t)).map_err(xlsx_error)?;
            }
            // Exact: fen < 2^53, and the cell shows two decimals.
            #[allow(clippy::cast_precision_loss)]
            let amount = r.amount_fen as f64 / 100.0;
            sheet
                .write_number_with_format(row, 5, amount, &money)
                .map_err(xlsx_error)?;
            row += 1;
        }
        after = Some(last);
    }
    let mut file = tempfile::tempfile().map_err(ApiError::internal)?;
    workbook.save_to_writer(&mut file).map_err(xlsx_error)?;
    file.seek(SeekFrom::Start(0)).map_err(ApiError::internal)?;
    Ok(file)
}

/// Bytes per chunk when streaming a finished export file.
const FILE_CHUNK: usize = 64 * 1024;

/// A finished export file as a stream of chunks, each read on the blocking pool.
pub fn file_stream(
    file: std::fs::File,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    futures_util::stream::try_unfold(Some(file), |file| async move {
        let Some(mut file) = file else {
            return Ok(None);
        };
        let (file, chunk) = tokio::task::spawn_blocking(move || {
            let mut chunk = vec![0; FILE_CHUNK];
            let n = file.read(&mut chunk)?;
            chunk.truncate(n);
            Ok::<_, std::io::Error>((file, chunk))
        })
        .await
        .map_err(std::io::Error::other)??;
        Ok(if chunk.is_empty() {
            None
        } else {
            Some((chunk, Some(file)))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defuses_formula_starts() {
        for s in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(defuse(s), format!("'{s}"));
        }
        assert_eq!(defuse("张三"), "张三");
        assert_eq!(csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
    }

    #[test]
    fn csv_lines_are_exact() {
        let r = Row {
            worker_id: "w1".into(),
            name: "=张三".into(),
            level: "社会工作师",
            unit: "民政局".into(),
            eligible: "是",
            amount_fen: 123_456,
            policy: "p v1".into(),
            reasons: "A; B".into(),
        };
        assert_eq!(
            csv_lines(&[r]).unwrap(),
            "w1,'=张三,社会工作师,民政局,是,1234.56,p v1,A; B\r\n"
        );
        assert!(csv_header().starts_with("\u{feff}工作人员编号,姓名"));
    }
}
