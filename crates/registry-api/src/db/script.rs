//! Scripts: several statements that go to the database together.
//!
//! Each [`Part`] is one statement whose bound text parameters are written `{0}`, `{1}`, … in
//! its SQL. [`Script::run`] sends the parts in order and returns the rows of all of them, in
//! order:
//! - on SQLite as ONE multi-statement text in one round trip to sqlx's connection thread,
//!   with positional `?`s (one bound value per occurrence, in text order), so that thread
//!   runs the statements back to back instead of waiting for the async side between them;
//! - on PostgreSQL (no bound parameters in a multi-statement query) one after the other on
//!   the same connection, each numbered from `$1`.
//!
//! A failing part fails the script; inside a transaction nothing after it ran, and the
//! caller's rollback undoes what ran before it.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Statement, Value};

/// One statement with `{n}` placeholders for its text parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The SQL, parameters written `{0}`, `{1}`, … (fixed text: never user data).
    pub sql: String,
    /// The parameters, in placeholder order.
    pub params: Vec<String>,
}

impl Part {
    /// The SQL with each `{i}` replaced by `placeholder(i)`, in text order.
    fn render(&self, mut placeholder: impl FnMut(usize) -> String) -> String {
        let mut out = String::with_capacity(self.sql.len());
        let mut rest = self.sql.as_str();
        while let Some(open) = rest.find('{') {
            let digits = rest[open + 1..]
                .find(|c: char| !c.is_ascii_digit())
                .filter(|&n| n > 0 && rest[open + 1 + n..].starts_with('}'));
            let Some(n) = digits else {
                out.push_str(&rest[..=open]);
                rest = &rest[open + 1..];
                continue;
            };
            out.push_str(&rest[..open]);
            let index = rest[open + 1..open + 1 + n].parse().unwrap_or(usize::MAX);
            out.push_str(&placeholder(index));
            rest = &rest[open + n + 2..];
        }
        out.push_str(rest);
        out
    }

    /// This part as one text for `backend`.
    ///
    /// SQLite gets positional `?`s, one value per occurrence, so a part's text does not
    /// depend on the parts before it in a script (sqlx binds a numbered `?NNN` by its number
    /// but counts the unnamed slots below it as positional arguments of that statement,
    /// which would shift the arguments of every later statement of the text). PostgreSQL
    /// gets `$n`, the same number for every occurrence of one parameter.
    pub fn text(&self, backend: DbBackend) -> Text {
        match backend {
            DbBackend::Postgres => Text {
                sql: self.render(|i| format!("${}", i + 1)),
                args: self.params.iter().cloned().map(Some).collect(),
            },
            _ => {
                let mut args = Vec::new();
                let sql = self.render(|i| {
                    args.push(self.params.get(i).cloned());
                    "?".to_owned()
                });
                Text { sql, args }
            }
        }
    }

    /// This part alone as a statement for `backend`.
    pub fn statement(&self, backend: DbBackend) -> Statement {
        self.text(backend).statement(backend)
    }
}

/// Statements to send together (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct Script {
    parts: Vec<Part>,
}

impl Script {
    /// An empty script.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `part`.
    pub fn push(&mut self, part: Part) {
        self.parts.push(part);
    }

    /// The texts to send, in order: on SQLite the whole script as one text (the parts'
    /// texts joined), on PostgreSQL one per part (a script without parts sends nothing).
    pub fn texts(&self, backend: DbBackend) -> Vec<Text> {
        let texts = self.parts.iter().map(|part| part.text(backend));
        match backend {
            DbBackend::Postgres => texts.collect(),
            _ if self.parts.is_empty() => Vec::new(),
            _ => {
                let (sqls, args): (Vec<String>, Vec<_>) = texts.map(|t| (t.sql, t.args)).unzip();
                vec![Text {
                    sql: sqls.join(";\n"),
                    args: args.into_iter().flatten().collect(),
                }]
            }
        }
    }

    /// Runs the parts in order on `conn`; the rows of all of them, in order.
    pub async fn run<C: ConnectionTrait>(&self, conn: &C) -> Result<Vec<QueryResult>, DbErr> {
        let backend = conn.get_database_backend();
        let mut rows = Vec::new();
        for text in self.texts(backend) {
            rows.extend(conn.query_all_raw(text.statement(backend)).await?);
        }
        Ok(rows)
    }
}

/// One text to send and its arguments (all text; `None` is `NULL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// The SQL.
    pub sql: String,
    /// The arguments, in placeholder order.
    pub args: Vec<Option<String>>,
}

impl Text {
    /// As a sea-orm statement for `backend`.
    pub fn statement(self, backend: DbBackend) -> Statement {
        let values = self.args.into_iter().map(Value::from);
        Statement::from_sql_and_values(backend, self.sql, values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(sql: &str, params: &[&str]) -> Part {
        Part {
            sql: sql.to_owned(),
            params: params.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    #[test]
    fn sqlite_gets_one_positional_value_per_occurrence() {
        let mut s = Script::new();
        s.push(part(
            "INSERT INTO t SELECT {0}, value FROM json_each({1})",
            &["r", "[1]"],
        ));
        s.push(part(
            "SELECT {0} WHERE {0} = '{x}' AND {1} = {0}",
            &["a", "b"],
        ));
        s.push(part("SELECT 1", &[]));
        let texts = s.texts(DbBackend::Sqlite);
        assert_eq!(texts.len(), 1);
        let st = texts[0].clone().statement(DbBackend::Sqlite);
        assert_eq!(
            st.sql,
            "INSERT INTO t SELECT ?, value FROM json_each(?);\nSELECT ? WHERE ? = '{x}' AND ? = ?;\nSELECT 1"
        );
        let values: Vec<String> = st
            .values
            .unwrap()
            .0
            .into_iter()
            .map(|v| match v {
                Value::String(Some(s)) => s,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(values, ["r", "[1]", "a", "a", "b", "a"]);
    }

    #[test]
    fn postgres_numbers_each_statement_from_one() {
        let p = part("SELECT {1} || {0} || {1}", &["a", "b"]);
        let st = p.statement(DbBackend::Postgres);
        assert_eq!(st.sql, "SELECT $2 || $1 || $2");
        assert_eq!(st.values.map(|v| v.0.len()), Some(2));
    }
}
