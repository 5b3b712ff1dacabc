//! API keys for systems: `rk_` + 43 URL-safe base64 characters (256 random bits).
//!
//! The key is shown once, at creation; the database keeps its SHA-256 (a slow hash buys
//! nothing for 256-bit random secrets) and a short prefix to recognise it in listings.
//! Created, listed and revoked from the CLI (`registry-api keys …`).

use base64::Engine;
use registry_core::ids::RegionCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use sea_orm::{DbErr, QueryOrder};

use std::time::Instant;

use super::key_cache::KeyCache;
use super::{Principal, Role, Scope, Via};
use crate::crypto::{random_bytes, sha256_hex};
use crate::db::entities::api_key;
use crate::db::now_utc;

/// Prefix of every API key.
pub const KEY_PREFIX: &str = "rk_";

/// A key as listed (never the key itself).
#[derive(Debug, Clone)]
pub struct KeyInfo {
    /// Key id (the principal subject).
    pub id: String,
    /// Label.
    pub name: String,
    /// First characters of the key.
    pub prefix: String,
    /// Role.
    pub role: String,
    /// Region.
    pub region_code: String,
    /// Created, RFC 3339.
    pub created_at: time::OffsetDateTime,
    /// Revoked, if so.
    pub revoked_at: Option<time::OffsetDateTime>,
}

/// Whether a bearer credential looks like an API key rather than a JWT.
pub fn looks_like_key(credential: &str) -> bool {
    credential.starts_with(KEY_PREFIX)
}

/// Creates a key for `role` in `region`; returns its id and the key (show it once).
pub async fn create(
    db: &DatabaseConnection,
    role: Role,
    region: RegionCode,
    name: &str,
) -> Result<(String, String), DbErr> {
    if role == Role::Worker {
        return Err(DbErr::Custom(
            "API keys are for systems: use role admin or hr".into(),
        ));
    }
    let secret = random_bytes::<32>().map_err(|e| DbErr::Custom(e.to_string()))?;
    let key = format!(
        "{KEY_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret)
    );
    let id = uuid::Uuid::now_v7().to_string();
    api_key::ActiveModel {
        id: Set(id.clone()),
        name: Set(name.to_owned()),
        prefix: Set(key[..10].to_owned()),
        key_hash: Set(sha256_hex(key.as_bytes())),
        role: Set(role.code().to_owned()),
        region_code: Set(region.as_str().to_owned()),
        created_at: Set(now_utc()),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok((id, key))
}

/// Every key, oldest first.
pub async fn list(db: &DatabaseConnection) -> Result<Vec<KeyInfo>, DbErr> {
    Ok(api_key::Entity::find()
        .order_by_asc(api_key::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| KeyInfo {
            id: m.id,
            name: m.name,
            prefix: m.prefix,
            role: m.role,
            region_code: m.region_code,
            created_at: m.created_at,
            revoked_at: m.revoked_at,
        })
        .collect())
}

/// Revokes a key; `false` if there is no such (unrevoked) key.
pub async fn revoke(db: &DatabaseConnection, id: &str) -> Result<bool, DbErr> {
    let res = api_key::Entity::update_many()
        .col_expr(
            api_key::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Some(now_utc())),
        )
        .filter(api_key::Column::Id.eq(id))
        .filter(api_key::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// The principal for a presented key, if it exists and is not revoked: from `cache` if a
/// lookup found it less than the cache's time to live ago, otherwise looked up (and cached
/// if found). See [`super::key_cache`] for the bound this puts on revocation.
pub async fn authenticate(
    db: &DatabaseConnection,
    cache: &KeyCache,
    key: &str,
) -> Result<Option<Principal>, DbErr> {
    let hash = sha256_hex(key.as_bytes());
    if let Some(p) = cache.get(&hash, Instant::now()) {
        return Ok(Some(p));
    }
    let found = lookup(db, &hash).await?;
    if let Some(p) = &found {
        cache.put(hash, p.clone(), Instant::now());
    }
    Ok(found)
}

/// The principal of the unrevoked key whose SHA-256 is `hash`, read from the database.
async fn lookup(db: &DatabaseConnection, hash: &str) -> Result<Option<Principal>, DbErr> {
    // `key_hash` is unique. Not `.one()`: its bound `LIMIT ?` makes SQLite prepare the
    // statement again on every request.
    let Some(row) = api_key::Entity::find()
        .filter(api_key::Column::KeyHash.eq(hash.to_owned()))
        .filter(api_key::Column::RevokedAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let (Some(role), Ok(region)) = (Role::parse(&row.role), RegionCode::parse(&row.region_code))
    else {
        return Ok(None);
    };
    Ok(Some(Principal {
        subject: format!("key:{}", row.id),
        role,
        scope: Scope::Region(region),
        via: Via::ApiKey,
    }))
}
