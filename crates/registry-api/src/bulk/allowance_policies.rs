//! `allowance_policies.csv`: `id,policy_id,version,region_code,effective_from,effective_until,
//! definition,created_at,created_by` (the table's columns; `definition` is the core
//! `PolicyInput` JSON, as `POST /api/v1/allowance-policies` takes it).
//!
//! Every version of every policy, each in its final state: a version that a later one ended
//! carries the `effective_until` (and the definition) the API gave it then. The definition is
//! validated by the API's own [`validate`] (core `AllowancePolicy::new`: errors name
//! `definition.<path>`); the other columns repeat it and, when given, must agree with it
//! (`import.definition_mismatch`). Together with every stored version and the file's earlier
//! rows, the new versions must form a valid core `PolicySet` (`policy.duplicate_version`,
//! `policy.overlapping_versions`). The API's one change of a stored version (ending an
//! open-ended one when a later version starts) is never made by an import: a file whose
//! version ends one that is stored open-ended is a conflict, as every other change is.
//!
//! Keyed by `(policy_id, version)` and by `id` when present. An export `--region R` holds the
//! policies that apply in `R`: those of `R` and the regions inside it, and those of the
//! regions enclosing `R` (a region's workers are paid under both).

use registry_core::allowance::{AllowancePolicy, PolicySet};
use registry_core::ids::RegionCode;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryOrder, Value};
use time::OffsetDateTime;

use super::cells::{self, Cells};
use super::layout::{InRegion, Layout};
use super::{Entity, Kind, Verdict, Verdicts, changed, lookup, problem};
use crate::db::entities::allowance_policy;
use crate::policies::api::{definition_json, policy_of, validate};
use crate::problem::ProblemField;

/// The allowance policies importer/exporter.
#[derive(Debug)]
pub struct AllowancePolicies;

/// A validated policy version.
#[derive(Debug)]
pub struct Row {
    id: Option<String>,
    policy: AllowancePolicy,
    /// The definition as stored (the API's canonical JSON of [`Row::policy`]).
    definition: String,
    created_at: OffsetDateTime,
    created_by: String,
}

impl Row {
    fn policy_id(&self) -> String {
        self.policy.id().to_string()
    }

    fn version(&self) -> i32 {
        i32::try_from(self.policy.version()).unwrap_or(i32::MAX)
    }

    fn until(&self) -> Option<String> {
        self.policy.effective().until().map(|u| u.to_string())
    }
}

/// The new versions of the file so far (they join the set later rows are checked in).
pub type Seen = Vec<AllowancePolicy>;

fn diff(r: &Row, m: &allowance_policy::Model) -> Vec<&'static str> {
    changed(&[
        ("id", r.id.as_deref().is_none_or(|id| id == m.id)),
        ("region_code", r.policy.region().as_str() == m.region_code),
        (
            "effective_from",
            r.policy.effective().from().to_string() == m.effective_from,
        ),
        ("effective_until", r.until() == m.effective_until),
        ("definition", r.definition == m.definition),
    ])
}

/// The column checks: each given column must say what the definition says.
fn agrees(c: &Cells<'_>, p: &AllowancePolicy) -> Vec<ProblemField> {
    let until = p.effective().until().map(|u| u.to_string());
    let columns = [
        ("policy_id", Some(p.id().to_string())),
        ("version", Some(p.version().to_string())),
        ("region_code", Some(p.region().as_str().to_owned())),
        ("effective_from", Some(p.effective().from().to_string())),
        ("effective_until", until),
    ];
    columns
        .into_iter()
        .filter(|(column, value)| {
            let given = c.get(column);
            given.is_some() && given != value.as_deref()
        })
        .map(|(column, _)| {
            problem(
                column,
                "import.definition_mismatch",
                "differs from the definition",
            )
        })
        .collect()
}

/// The policies an export `--region R` holds: those of `R` and the regions inside it, and
/// those of the regions enclosing `R` (a region's workers are paid under both).
fn in_region(region: &RegionCode, (lo, hi): (String, String)) -> Condition {
    use allowance_policy::Column as Col;
    let enclosing: Vec<String> = std::iter::successors(region.parent(), RegionCode::parent)
        .map(|p| p.as_str().to_owned())
        .collect();
    Condition::any()
        .add(Col::RegionCode.between(lo, hi))
        .add(Col::RegionCode.is_in(enclosing))
}

impl Kind for AllowancePolicies {
    type Row = Row;
    type Seen = Seen;
    type Stored = allowance_policy::Entity;
    const ENTITY: Entity = Entity::AllowancePolicies;
    const HEADER: &'static [&'static str] = &[
        "id",
        "policy_id",
        "version",
        "region_code",
        "effective_from",
        "effective_until",
        "definition",
        "created_at",
        "created_by",
    ];
    const REQUIRED: &'static [&'static str] = &["definition"];
    const RESOURCE: &'static str = "allowance_policy";
    const TABLE: &'static str = "allowance_policies";
    const COLUMNS: &'static [&'static str] = Self::HEADER;
    const LAYOUT: Layout<allowance_policy::Column> =
        Layout::by_id(allowance_policy::Column::Id, InRegion::Filter(in_region));

    fn parse(&self, c: &Cells<'_>) -> Result<Row, Vec<ProblemField>> {
        let id = c.opt_id("id");
        let definition = c.text("definition");
        let created_at = c
            .opt_timestamp("created_at")
            .unwrap_or_else(crate::db::now_utc);
        let created_by = c
            .opt_text("created_by")
            .unwrap_or_else(|| super::cli_principal("import").subject);
        let mut errors = c.take_errors();
        let policy = match definition.as_deref().map(|d| validate(d.as_bytes())) {
            None => return Err(errors),
            Some(Ok(p)) => p,
            Some(Err(e)) if e.errors.is_empty() => {
                errors.push(problem(
                    "definition",
                    "csv.invalid_json",
                    "not a JSON object",
                ));
                return Err(errors);
            }
            Some(Err(e)) => {
                errors.extend(e.errors.into_iter().map(|mut e| {
                    e.field = if e.field.is_empty() {
                        "definition".into()
                    } else {
                        format!("definition.{}", e.field)
                    };
                    e
                }));
                return Err(errors);
            }
        };
        errors.extend(agrees(c, &policy));
        let definition = match definition_json(&policy) {
            Ok(d) => d,
            Err(_) => return Err(errors),
        };
        if errors.is_empty() {
            Ok(Row {
                id,
                policy,
                definition,
                created_at,
                created_by,
            })
        } else {
            Err(errors)
        }
    }

    fn id(row: &Row) -> Option<&String> {
        row.id.as_ref()
    }

    fn natural_key(row: &Row) -> Option<(&'static str, String)> {
        let key = format!("{}/versions/{}", row.policy.id(), row.policy.version());
        Some(("version", key))
    }

    async fn check(
        &self,
        db: &DatabaseConnection,
        rows: &mut [&mut Row],
        seen: &mut Seen,
    ) -> Verdicts {
        // Policies are few: the whole stored set is read once a chunk.
        let stored = allowance_policy::Entity::find()
            .order_by_asc(allowance_policy::Column::Id)
            .all(db)
            .await?;
        let mut set = Vec::with_capacity(stored.len());
        for m in &stored {
            set.push(
                policy_of(m).map_err(|_| DbErr::Custom("a stored policy cannot be read".into()))?,
            );
        }
        let mut verdicts = Vec::with_capacity(rows.len());
        for r in rows.iter() {
            let (policy_id, version) = (r.policy_id(), r.version());
            let same_key = stored
                .iter()
                .find(|m| m.policy_id == policy_id && m.version == version);
            let same_id =
                r.id.as_ref()
                    .is_some_and(|id| stored.iter().any(|m| m.id == *id));
            let verdict = match lookup::by_key("version", same_key, same_id, |m| diff(r, m)) {
                Verdict::New => {
                    let all = set.iter().chain(seen.iter()).cloned();
                    let all = all.chain(std::iter::once(r.policy.clone())).collect();
                    match PolicySet::new(all) {
                        Ok(_) => {
                            seen.push(r.policy.clone());
                            Verdict::New
                        }
                        Err(e) => Verdict::Reject(vec![set_problem(e)]),
                    }
                }
                other => other,
            };
            verdicts.push(verdict);
        }
        Ok(verdicts)
    }

    fn values(&self, r: &Row) -> Result<Vec<Value>, anyhow::Error> {
        Ok(vec![
            r.policy_id().into(),
            r.version().into(),
            r.policy.region().as_str().to_owned().into(),
            r.policy.effective().from().to_string().into(),
            r.until().into(),
            r.definition.clone().into(),
            r.created_at.into(),
            r.created_by.clone().into(),
        ])
    }

    fn record(&self, m: allowance_policy::Model) -> Result<Vec<String>, anyhow::Error> {
        Ok(vec![
            m.policy_id,
            m.version.to_string(),
            m.region_code,
            m.effective_from,
            m.effective_until.unwrap_or_default(),
            m.definition,
            cells::timestamp(m.created_at),
            m.created_by,
        ])
    }
}

/// The problem for a set the core refuses, naming the file's column.
fn set_problem(e: registry_core::FieldError) -> ProblemField {
    let field = match e.rule {
        "policy.duplicate_version" => "version",
        "policy.overlapping_versions" => "effective_from",
        _ => "definition",
    };
    ProblemField {
        field: field.into(),
        rule: e.rule.into(),
        message: e.message,
    }
}
