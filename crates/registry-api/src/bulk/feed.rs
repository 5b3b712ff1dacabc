//! How the change feed hears of imported rows: as it hears of the API's creates of the same
//! resource ([`relevance::created`]), one event per new row, appended chunk by chunk in the
//! import's write transaction ([`events::record_created_batch`] numbers them consecutively).

use anyhow::Context;
use sea_orm::{DatabaseTransaction, Value};

use super::Kind;
use crate::events::relevance;
use crate::events::{self, CreatedRow};

/// How the change feed hears of the new rows of a [`Kind`]: as the API's creates of the
/// resource would report them ([`relevance::created`]).
#[derive(Debug, PartialEq, Eq)]
pub enum Feed {
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
    /// How the feed hears of `K`'s new rows.
    pub fn of<K: Kind>() -> anyhow::Result<Self> {
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

    /// What the events of one chunk of new rows (their insert values) name: each row's id and
    /// worker (empty for [`Feed::Each`]); nothing for [`Feed::Silent`] and rows without a
    /// worker.
    pub fn created(&self, rows: &[Vec<Value>]) -> anyhow::Result<Vec<CreatedRow>> {
        let mut created = Vec::new();
        for v in rows {
            match *self {
                Self::Silent => {}
                Self::Workers { .. } => created.extend(self.worker_row(v)?),
                Self::Each { id } => created.push(CreatedRow {
                    id: id_at(v, id)?,
                    worker_id: String::new(),
                }),
            }
        }
        Ok(created)
    }

    /// Appends the events of `created` (see [`Feed::created`]), whose rows `txn` inserted just
    /// before; returns how many.
    pub async fn record(
        &self,
        txn: &DatabaseTransaction,
        resource: &str,
        created: &[CreatedRow],
    ) -> anyhow::Result<u64> {
        match self {
            Self::Silent => Ok(0),
            Self::Workers { .. } => Ok(events::record_created_batch(txn, resource, created).await?),
            Self::Each { .. } => {
                let mut n = 0;
                for row in created {
                    let change = events::Change::created(resource, &row.id, None);
                    n += u64::from(events::record(txn, change).await?.is_some());
                }
                Ok(n)
            }
        }
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
