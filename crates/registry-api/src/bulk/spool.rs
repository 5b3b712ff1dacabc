//! The spool of an import: the insert values of the new rows, written to a temporary file while
//! the file is validated and read back when they are written, so an import holds one chunk of
//! rows in memory, not the file.
//!
//! The file is private to the process (created new, mode 0600 on Unix, removed when the
//! [`Spool`] is dropped): it holds the rows as they will be stored (names in clear, resident IDs
//! sealed), like the input file itself. The encoding is a plain length-prefixed one of the few
//! value types the importers produce; anything else is an error, never a silent change.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use sea_orm::Value;
use time::{Date, OffsetDateTime, UtcOffset};

/// A private temporary file (created new, mode 0600 on Unix), removed when dropped.
#[derive(Debug)]
pub struct TempFile {
    path: PathBuf,
}

impl TempFile {
    /// Creates `registry-<name>` in the temporary directory, open for writing.
    pub fn create(name: &str) -> anyhow::Result<(Self, File)> {
        let path = std::env::temp_dir().join(format!("registry-{name}"));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options
            .open(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok((Self { path }, file))
    }

    /// Where it is.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        std::fs::remove_file(&self.path).ok();
    }
}

/// The new rows of one import, on disk.
#[derive(Debug)]
pub struct Spool {
    file: TempFile,
    writer: Option<BufWriter<File>>,
    rows: u64,
}

/// Reads a [`Spool`]'s rows back, in the order written.
#[derive(Debug)]
pub struct SpoolReader {
    reader: BufReader<File>,
    left: u64,
}

const BOOL: u8 = 1;
const SMALL_INT: u8 = 2;
const INT: u8 = 3;
const BIG_INT: u8 = 4;
const STRING: u8 = 5;
const BYTES: u8 = 6;
const DATE: u8 = 7;
const TIMESTAMP: u8 = 8;

impl Spool {
    /// A new, empty spool in the temporary directory, named after the import `batch`.
    pub fn create(batch: &str) -> anyhow::Result<Self> {
        let (file, handle) = TempFile::create(&format!("import-{batch}.spool"))?;
        Ok(Self {
            file,
            writer: Some(BufWriter::with_capacity(1 << 20, handle)),
            rows: 0,
        })
    }

    /// Rows written.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Appends one row.
    pub fn push(&mut self, values: &[Value]) -> anyhow::Result<()> {
        let w = self.writer.as_mut().context("the spool is closed")?;
        let n = u32::try_from(values.len()).context("too many values")?;
        w.write_all(&n.to_le_bytes())?;
        for v in values {
            encode(w, v)?;
        }
        self.rows += 1;
        Ok(())
    }

    /// Ends writing and reads the rows back from the start.
    pub fn read(&mut self) -> anyhow::Result<SpoolReader> {
        if let Some(mut w) = self.writer.take() {
            w.flush()?;
        }
        let path = self.file.path();
        let file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        Ok(SpoolReader {
            reader: BufReader::with_capacity(1 << 20, file),
            left: self.rows,
        })
    }
}

impl SpoolReader {
    /// Up to `n` next rows (fewer at the end; none when all are read).
    pub fn next_rows(&mut self, n: usize) -> anyhow::Result<Vec<Vec<Value>>> {
        let take = (n as u64).min(self.left);
        let mut rows = Vec::with_capacity(usize::try_from(take)?);
        for _ in 0..take {
            let count = u32::from_le_bytes(self.bytes()?);
            let mut row = Vec::with_capacity(count as usize);
            for _ in 0..count {
                row.push(self.value()?);
            }
            rows.push(row);
        }
        self.left -= take;
        Ok(rows)
    }

    fn bytes<const N: usize>(&mut self) -> anyhow::Result<[u8; N]> {
        let mut b = [0u8; N];
        self.reader.read_exact(&mut b)?;
        Ok(b)
    }

    fn vec(&mut self) -> anyhow::Result<Vec<u8>> {
        let len = u32::from_le_bytes(self.bytes()?) as usize;
        let mut b = vec![0u8; len];
        self.reader.read_exact(&mut b)?;
        Ok(b)
    }

    fn value(&mut self) -> anyhow::Result<Value> {
        let [tag, present] = self.bytes()?;
        let present = present == 1;
        Ok(match tag {
            BOOL => Value::Bool(
                present
                    .then(|| self.bytes::<1>())
                    .transpose()?
                    .map(|[b]| b == 1),
            ),
            SMALL_INT => Value::SmallInt(
                present
                    .then(|| self.bytes().map(i16::from_le_bytes))
                    .transpose()?,
            ),
            INT => Value::Int(
                present
                    .then(|| self.bytes().map(i32::from_le_bytes))
                    .transpose()?,
            ),
            BIG_INT => Value::BigInt(
                present
                    .then(|| self.bytes().map(i64::from_le_bytes))
                    .transpose()?,
            ),
            STRING => Value::String(
                present
                    .then(|| String::from_utf8(self.vec()?).context("spooled text"))
                    .transpose()?,
            ),
            BYTES => Value::Bytes(present.then(|| self.vec()).transpose()?),
            DATE => Value::TimeDate(
                present
                    .then(|| {
                        let day = i32::from_le_bytes(self.bytes()?);
                        Date::from_julian_day(day).context("spooled date")
                    })
                    .transpose()?,
            ),
            TIMESTAMP => Value::TimeDateTimeWithTimeZone(
                present
                    .then(|| {
                        let nanos = i128::from_le_bytes(self.bytes()?);
                        let offset = i32::from_le_bytes(self.bytes()?);
                        let offset = UtcOffset::from_whole_seconds(offset)?;
                        Ok::<_, anyhow::Error>(
                            OffsetDateTime::from_unix_timestamp_nanos(nanos)?.to_offset(offset),
                        )
                    })
                    .transpose()?,
            ),
            other => bail!("unknown spooled value type {other}"),
        })
    }
}

fn encode(w: &mut impl Write, v: &Value) -> anyhow::Result<()> {
    let head = |w: &mut dyn Write, tag: u8, present: bool| w.write_all(&[tag, u8::from(present)]);
    let text = |w: &mut dyn Write, b: &[u8]| -> anyhow::Result<()> {
        w.write_all(&u32::try_from(b.len())?.to_le_bytes())?;
        w.write_all(b)?;
        Ok(())
    };
    match v {
        Value::Bool(b) => {
            head(w, BOOL, b.is_some())?;
            if let Some(b) = b {
                w.write_all(&[u8::from(*b)])?;
            }
        }
        Value::SmallInt(i) => {
            head(w, SMALL_INT, i.is_some())?;
            if let Some(i) = i {
                w.write_all(&i.to_le_bytes())?;
            }
        }
        Value::Int(i) => {
            head(w, INT, i.is_some())?;
            if let Some(i) = i {
                w.write_all(&i.to_le_bytes())?;
            }
        }
        Value::BigInt(i) => {
            head(w, BIG_INT, i.is_some())?;
            if let Some(i) = i {
                w.write_all(&i.to_le_bytes())?;
            }
        }
        Value::String(s) => {
            head(w, STRING, s.is_some())?;
            if let Some(s) = s {
                text(w, s.as_bytes())?;
            }
        }
        Value::Bytes(b) => {
            head(w, BYTES, b.is_some())?;
            if let Some(b) = b {
                text(w, b)?;
            }
        }
        Value::TimeDate(d) => {
            head(w, DATE, d.is_some())?;
            if let Some(d) = d {
                w.write_all(&d.to_julian_day().to_le_bytes())?;
            }
        }
        Value::TimeDateTimeWithTimeZone(t) => {
            head(w, TIMESTAMP, t.is_some())?;
            if let Some(t) = t {
                w.write_all(&t.unix_timestamp_nanos().to_le_bytes())?;
                w.write_all(&t.offset().whole_seconds().to_le_bytes())?;
            }
        }
        other => bail!("a {other:?} cannot be spooled"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_come_back_as_written() {
        let row = vec![
            Value::Bool(Some(true)),
            Value::Bool(None),
            Value::SmallInt(Some(-7)),
            Value::Int(Some(2024)),
            Value::BigInt(Some(i64::MAX)),
            Value::BigInt(None),
            Value::String(Some("张三, \"x\"".into())),
            Value::String(None),
            Value::Bytes(Some(vec![0, 1, 255])),
            Value::TimeDate(Some(time::macros::date!(2024 - 02 - 29))),
            Value::TimeDateTimeWithTimeZone(Some(time::macros::datetime!(
                2024-02-01 09:00:00.123456 UTC
            ))),
            Value::TimeDateTimeWithTimeZone(None),
        ];
        let mut spool = Spool::create(&uuid::Uuid::now_v7().to_string()).unwrap();
        for _ in 0..3 {
            spool.push(&row).unwrap();
        }
        let path = spool.file.path().to_owned();
        let mut r = spool.read().unwrap();
        assert_eq!(r.next_rows(2).unwrap(), vec![row.clone(), row.clone()]);
        assert_eq!(r.next_rows(2).unwrap(), vec![row]);
        assert!(r.next_rows(2).unwrap().is_empty());
        drop(spool);
        assert!(!path.exists(), "removed when dropped");
        assert!(
            Spool::create("x")
                .unwrap()
                .push(&[Value::Double(Some(1.0))])
                .is_err()
        );
    }
}
