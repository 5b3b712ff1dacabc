//! `/api/v1/allowance-policies` ([`AllowancePoliciesApi`]: create a version, list) and
//! `/api/v1/allowance-policies/{policy_id}/versions/{version}` ([`AllowancePolicyVersionApi`]).

use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use registry_core::RuleViolation;
use registry_core::allowance::{AllowancePolicy, PolicyInput, PolicySet};
use registry_core::calendar::{MonthSpan, YearMonth};
use registry_core::ids::RegionCode;
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend};

use super::api::{PolicyBody, PolicyPage, PolicyVersion, definition_json, policy_of, validate};
use super::store;
use crate::audit::{self, AuditEvent};
use crate::auth::{Auth, Principal, Role};
use crate::create::{CreateCtx, Idempotent, create_once};
use crate::db::entities::allowance_policy;
use crate::db::is_unique_violation;
use crate::listing::Page;
use crate::observe::RequestId;
use crate::payload::JsonBody;
use crate::problem::{
    ApiError, CreateErrors, Errors, ListErrors, ProblemField, ProblemKind, ReadErrors,
};
use crate::routes::Tags;
use crate::state::AppState;

const CURSOR_PREFIX: &str = "ap1:";

/// Advisory-lock key that serialises policy creates on PostgreSQL (SQLite has its write lock).
const POLICY_LOCK_KEY: i64 = 0x504f_4c49_4349_4553; // "POLICIES"

/// A policy version was created (or a retry with the same `Idempotency-Key` replayed).
#[derive(ApiResponse)]
pub enum CreatedPolicy {
    /// The version, with its location.
    #[oai(status = 201)]
    Created(Json<PolicyVersion>, #[oai(header = "Location")] String),
}

/// One policy version.
#[derive(ApiResponse)]
pub enum OnePolicy {
    /// The version.
    #[oai(status = 200)]
    Ok(Json<PolicyVersion>),
}

/// A page of policy versions.
#[derive(ApiResponse)]
pub enum PolicyList {
    /// The page.
    #[oai(status = 200)]
    Ok(Json<PolicyPage>),
}

fn location(m: &allowance_policy::Model) -> String {
    format!(
        "/api/v1/allowance-policies/{}/versions/{}",
        m.policy_id, m.version
    )
}

/// The stored version `n` of the same family and region that the new one replaces: open-ended
/// and starting before it, with a lower version number.
fn replaced<'a>(
    rows: &'a [(allowance_policy::Model, AllowancePolicy)],
    new: &AllowancePolicy,
) -> Option<&'a (allowance_policy::Model, AllowancePolicy)> {
    rows.iter().find(|(_, old)| {
        old.id() == new.id()
            && old.region() == new.region()
            && old.version() < new.version()
            && old.effective().until().is_none()
            && old.effective().from() < new.effective().from()
    })
}

/// The problem for a set the core refuses, naming the body's field.
fn set_problem(e: registry_core::FieldError) -> ApiError {
    let field = match e.rule {
        "policy.duplicate_version" => "version",
        "policy.overlapping_versions" => "effective",
        _ => "policies",
    };
    ApiError::validation(vec![ProblemField {
        field: field.to_owned(),
        rule: e.rule.to_owned(),
        message: e.message,
    }])
}

async fn insert_version(
    txn: DatabaseTransaction,
    id: String,
    policy: &AllowancePolicy,
    p: &Principal,
    request_id: &RequestId,
) -> Result<(DatabaseTransaction, allowance_policy::Model), ApiError> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({POLICY_LOCK_KEY})"))
            .await?;
    }
    let rows = store::all(&txn).await?;
    let mut stored = Vec::with_capacity(rows.len());
    for m in rows {
        let parsed = policy_of(&m)?;
        stored.push((m, parsed));
    }
    let ended = replaced(&stored, policy).map(|(m, old)| {
        let until = policy.effective().from().plus(-1);
        (m.id.clone(), old.clone(), until)
    });
    let mut ended_policy = None;
    let mut all: Vec<AllowancePolicy> = Vec::with_capacity(stored.len() + 1);
    for (m, old) in stored {
        match &ended {
            Some((id, _, until)) if *id == m.id => {
                let mut input = PolicyInput::from(old);
                input.effective = MonthSpan::new(input.effective.from(), Some(*until))
                    .map_err(|e| ApiError::from(e.within("effective")))?;
                let closed = AllowancePolicy::new(input)?;
                ended_policy = Some(closed.clone());
                all.push(closed);
            }
            _ => all.push(old),
        }
    }
    all.push(policy.clone());
    PolicySet::new(all).map_err(set_problem)?;
    if let (Some((old_id, _, until)), Some(closed)) = (&ended, &ended_policy) {
        store::end_open_version(&txn, old_id, &until.to_string(), definition_json(closed)?).await?;
        audit::append(
            &txn,
            AuditEvent {
                principal: p,
                action: "end_allowance_policy",
                resource: "allowance_policy",
                resource_id: old_id,
                request_id: request_id.as_str(),
                worker_id: None,
            },
        )
        .await?;
    }
    let m = store::insert(&txn, id, policy, definition_json(policy)?, &p.subject)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                ApiError::validation(vec![ProblemField {
                    field: "version".into(),
                    rule: "policy.duplicate_version".into(),
                    message: format!(
                        "{} version {} already exists",
                        policy.id(),
                        policy.version()
                    ),
                }])
            } else {
                e.into()
            }
        })?;
    Ok((txn, m))
}

/// Allowance policy versions.
pub struct AllowancePoliciesApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::AllowancePolicies")]
impl AllowancePoliciesApi {
    /// Create an allowance policy version
    ///
    /// Admin only, for a region inside the admin's (403 otherwise). The body is the core
    /// policy JSON (as in `crates/registry-core/policies/*.json`), checked by the core: a
    /// repeated version is 422 `policy.duplicate_version` (field `version`); months overlapping
    /// another version for the same region are 422 `policy.overlapping_versions` (field
    /// `effective`). A new version of the same policy and region ends the earlier open-ended
    /// version the month before it starts (the only change a stored version ever sees);
    /// versions are otherwise immutable. Send an `Idempotency-Key` to make retries safe.
    #[oai(
        path = "/allowance-policies",
        method = "post",
        operation_id = "create_allowance_policy"
    )]
    async fn create_allowance_policy(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Makes the create safe to retry (1 to 255 characters, unique per request).
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        idempotency_key: Header<Option<String>>,
        body: JsonBody<PolicyBody>,
    ) -> Result<Idempotent<CreatedPolicy>, Errors<CreateErrors>> {
        let p = &auth.0;
        p.require(&[Role::Admin])?;
        let policy = validate(&body.raw)?;
        if !p.can_write_region(&policy.region()) {
            return Err(ApiError::new(
                ProblemKind::Forbidden,
                "region lies outside the caller's region",
            )
            .into());
        }
        let ctx = CreateCtx {
            principal: p,
            request_id: &request_id,
            operation: "create_allowance_policy",
            resource: "allowance_policy",
            key: idempotency_key.0.as_deref(),
            raw_body: &body.raw,
            worker_id: None,
        };
        Ok(create_once(
            &state,
            ctx,
            |m: &allowance_policy::Model| &m.id,
            async |txn, id| insert_version(txn, id, &policy, p, &request_id).await,
            |m| {
                let loc = location(&m);
                Ok(CreatedPolicy::Created(Json(PolicyVersion::view(m)?), loc))
            },
        )
        .await?)
    }

    /// List allowance policy versions
    ///
    /// For every role. `region` keeps the versions that apply to a worker of that region
    /// (the policy's region contains it); `at` (`YYYY-MM`) keeps the versions in force in that
    /// month. Oldest first, in pages of `limit` (default 50, maximum 200); follow `next_cursor`.
    #[oai(
        path = "/allowance-policies",
        method = "get",
        operation_id = "list_allowance_policies"
    )]
    async fn list_allowance_policies(
        &self,
        _auth: Auth,
        state: Data<&AppState>,
        /// Only versions applying to this six-digit region.
        #[oai(validator(pattern = r"^[0-9]{6}$"))]
        region: Query<Option<String>>,
        /// Only versions in force in this month (`YYYY-MM`).
        #[oai(validator(pattern = r"^[0-9]{4}-[0-9]{2}$"))]
        at: Query<Option<String>>,
        /// `next_cursor` of the previous page.
        #[oai(validator(min_length = 1, max_length = 200))]
        cursor: Query<Option<String>>,
        /// Page size: default 50, maximum 200.
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<PolicyList, Errors<ListErrors>> {
        let page = Page::new(CURSOR_PREFIX, cursor.0.as_deref(), limit.0)?;
        let region = region
            .0
            .as_deref()
            .map(RegionCode::parse)
            .transpose()
            .map_err(|e| ApiError::from(e.at("region")))?;
        let at =
            at.0.as_deref()
                .map(YearMonth::parse)
                .transpose()
                .map_err(|e| {
                    ApiError::from(registry_core::FieldError {
                        field: "at".into(),
                        ..e
                    })
                })?;
        let mut rows = Vec::new();
        for m in store::all(&state.db).await.map_err(ApiError::from)? {
            if page.after().is_some_and(|a| m.id.as_str() <= a) {
                continue;
            }
            let policy = policy_of(&m)?;
            let applies = region.is_none_or(|r| policy.region().contains(&r))
                && at.is_none_or(|month| policy.effective().contains(month));
            if applies {
                rows.push(m);
                if rows.len() > page.limit {
                    break;
                }
            }
        }
        let (items, next_cursor) = page.finish(rows, |m| &m.id, PolicyVersion::view)?;
        Ok(PolicyList::Ok(Json(PolicyPage { items, next_cursor })))
    }
}

/// One version of an allowance policy.
pub struct AllowancePolicyVersionApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::AllowancePolicies")]
impl AllowancePolicyVersionApi {
    /// Read one allowance policy version
    ///
    /// For every role; old versions stay readable.
    #[oai(
        path = "/allowance-policies/:policy_id/versions/:version",
        method = "get",
        operation_id = "get_allowance_policy_version"
    )]
    async fn get_allowance_policy_version(
        &self,
        _auth: Auth,
        state: Data<&AppState>,
        /// Family id.
        policy_id: Path<String>,
        /// Version number.
        #[oai(validator(minimum(value = "1"), maximum(value = "2147483647")))]
        version: Path<i64>,
    ) -> Result<OnePolicy, Errors<ReadErrors>> {
        let version = i32::try_from(version.0).map_err(|_| ApiError::not_found())?;
        let m = store::find_version(&state.db, &policy_id.0, version)
            .await?
            .ok_or_else(ApiError::not_found)?;
        Ok(OnePolicy::Ok(Json(PolicyVersion::view(m)?)))
    }
}
