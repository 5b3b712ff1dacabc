//! `registry-api bench-data --workers N --out DIR`: writes `DIR/workers.csv` and
//! `DIR/credentials.csv` with N workers and one credential each, the same bytes for the same N
//! (ids, resident IDs and dates are functions of the row number), for timing imports:
//!
//! ```text
//! registry-api bench-data --workers 100000 --out /tmp/bench
//! time registry-api import workers /tmp/bench/workers.csv
//! time registry-api import credentials /tmp/bench/credentials.csv
//! ```

use std::path::Path;

use anyhow::Context;
use registry_core::ids::ResidentId;
use time::Duration;
use time::macros::date;

use super::cells;

const REGIONS: [&str; 4] = ["110101", "110102", "110105", "310104"];
const EDUCATION: [&str; 5] = ["high_school", "college", "bachelor", "master", "doctorate"];

/// The id of generated worker `i`.
pub fn worker_id(i: u64) -> String {
    format!("00000000-0000-7000-8000-{i:012x}")
}

/// A valid resident ID for worker `i` (unique for `i` below 36,500,000): the check character
/// is the one `ResidentId::parse` accepts.
pub fn resident_id(i: u64) -> anyhow::Result<String> {
    let birth = date!(1960 - 01 - 01) + Duration::days((i / 1000) as i64);
    let stem = format!(
        "110101{}{:03}",
        cells::date(birth).replace('-', ""),
        i % 1000
    );
    "0123456789X"
        .chars()
        .map(|c| format!("{stem}{c}"))
        .find(|s| ResidentId::parse(s).is_ok())
        .context("no check character fits")
}

/// Writes the two files for `n` workers into `dir`.
pub fn write(dir: &Path, n: u64) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut workers = csv::Writer::from_path(dir.join("workers.csv"))?;
    workers.write_record([
        "id",
        "region_code",
        "resident_id",
        "name",
        "education_level",
        "social_work_major",
        "experience_start",
    ])?;
    let mut creds = csv::Writer::from_path(dir.join("credentials.csv"))?;
    creds.write_record([
        "id",
        "worker_id",
        "scheme",
        "level",
        "certificate_number",
        "issuing_authority",
        "exam_year",
        "issue_date",
        "status",
    ])?;
    for i in 0..n {
        let idx = usize::try_from(i).unwrap_or_default();
        let start = date!(2010 - 01 - 01) + Duration::days((i % 3000) as i64);
        workers.write_record([
            worker_id(i),
            REGIONS[idx % REGIONS.len()].to_owned(),
            resident_id(i)?,
            format!("工作者{i}"),
            EDUCATION[idx % EDUCATION.len()].to_owned(),
            (i % 3 == 0).to_string(),
            cells::date(start),
        ])?;
        let issue = date!(2016 - 06 - 01) + Duration::days((i % 2000) as i64);
        creds.write_record([
            format!("00000001-0000-7000-8000-{i:012x}"),
            worker_id(i),
            "national_exam".to_owned(),
            if i % 2 == 0 {
                "assistant"
            } else {
                "intermediate"
            }
            .to_owned(),
            format!("BENCH{i:010}"),
            "北京市民政局".to_owned(),
            issue.year().to_string(),
            cells::date(issue),
            "valid".to_owned(),
        ])?;
    }
    workers.flush()?;
    creds.flush()?;
    Ok(())
}
