//! The parsed policy set, kept in memory per process ([`PolicyCache`]) and checked against
//! the database on every use.
//!
//! ## Why it is never stale
//!
//! `allowance_policy_generation.generation` (migration `m0020_policy_generation`) is bumped
//! by database triggers in the same transaction as every INSERT, UPDATE, DELETE (and, on
//! PostgreSQL, TRUNCATE) of `allowance_policies`, whichever process or tool makes it. So,
//! in any snapshot, the generation determines the policy rows: two snapshots with the same
//! generation hold the same rows (the counter only grows, and a rolled-back change rolls
//! its bump back with it). The cache stores a set together with the generation read **in
//! the same statement** as its rows ([`load`]), and is only ever used after the caller has
//! read the current generation from the database ([`PolicyCache::at`]): when the two are
//! equal the cached set is exactly what reading the table at that moment would have
//! returned; otherwise the table is read again. A policy written by this process, by a
//! second service on the same PostgreSQL or by the CLI is therefore seen by the first
//! decision that starts after the write commits, exactly as without the cache. The
//! counter starts at a random value, so a different database never matches by accident.
//! The check costs one integer read, which callers fold into a statement they make anyway
//! (`crate::decisions::single`).

use std::sync::{Arc, RwLock};

use registry_core::allowance::PolicySet;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, QueryOrder, QuerySelect};

use super::api::policy_of;
use crate::db::entities::allowance_policy;
use crate::problem::ApiError;

/// The table holding the generation, and the name its value is selected as.
pub const GENERATION_TABLE: &str = "allowance_policy_generation";
/// Column alias of the generation in the statements that read it.
pub const GENERATION_ALIAS: &str = "policy_generation";

/// Every stored policy version, parsed, with the generation they were read at.
#[derive(Debug)]
pub struct Policies {
    /// The generation of `allowance_policies` the rows were read at (`None`: no row).
    pub generation: Option<i64>,
    /// The checked set.
    pub set: PolicySet,
    /// The stored rows, oldest first.
    pub rows: Vec<allowance_policy::Model>,
}

/// `SELECT generation AS policy_generation FROM allowance_policy_generation`: the statement
/// (or scalar subquery) that reads the current generation.
pub fn generation_query() -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .expr_as(Expr::col("generation"), GENERATION_ALIAS)
        .from(GENERATION_TABLE)
        .to_owned()
}

#[derive(FromQueryResult)]
struct Generation {
    policy_generation: i64,
}

/// Reads every version, oldest first, and the generation, in ONE statement (one snapshot):
/// the generation is a scalar subquery on each row. With no rows there is no generation to
/// trust, and the result is not cached.
pub async fn load<C: ConnectionTrait>(conn: &C) -> Result<Policies, ApiError> {
    let rows: Vec<(allowance_policy::Model, Generation)> = allowance_policy::Entity::find()
        .expr_as(
            Expr::SubQuery(None, Box::new(generation_query().into())),
            GENERATION_ALIAS,
        )
        .order_by_asc(allowance_policy::Column::Id)
        .into_model::<WithGeneration>()
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.policy, r.generation))
        .collect();
    let generation = rows.first().map(|(_, g)| g.policy_generation);
    let rows: Vec<allowance_policy::Model> = rows.into_iter().map(|(m, _)| m).collect();
    let policies = rows.iter().map(policy_of).collect::<Result<Vec<_>, _>>()?;
    let set = PolicySet::new(policies).map_err(ApiError::internal)?;
    Ok(Policies {
        generation,
        set,
        rows,
    })
}

struct WithGeneration {
    policy: allowance_policy::Model,
    generation: Generation,
}

impl FromQueryResult for WithGeneration {
    fn from_query_result(res: &sea_orm::QueryResult, pre: &str) -> Result<Self, sea_orm::DbErr> {
        Ok(Self {
            policy: allowance_policy::Model::from_query_result(res, pre)?,
            generation: Generation::from_query_result(res, pre)?,
        })
    }
}

/// The last policy set this process loaded (see the module docs for why it is exact).
#[derive(Debug, Default)]
pub struct PolicyCache {
    current: RwLock<Option<Arc<Policies>>>,
}

impl PolicyCache {
    /// The policy set at `generation`, the generation the caller has just read from the
    /// database: the cached set if it was loaded at that generation, otherwise the table
    /// read again (and cached). `None` (no generation row, e.g. a database migrated
    /// without it) always reads the table.
    pub async fn at<C: ConnectionTrait>(
        &self,
        conn: &C,
        generation: Option<i64>,
    ) -> Result<Arc<Policies>, ApiError> {
        if let Some(g) = generation
            && let Some(hit) = self.cached().filter(|c| c.generation == Some(g))
        {
            return Ok(hit);
        }
        let fresh = Arc::new(load(conn).await?);
        if fresh.generation.is_some()
            && let Ok(mut slot) = self.current.write()
        {
            *slot = Some(fresh.clone());
        }
        Ok(fresh)
    }

    fn cached(&self) -> Option<Arc<Policies>> {
        self.current.read().ok().and_then(|c| c.clone())
    }
}
