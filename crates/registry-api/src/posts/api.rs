//! Request and response bodies of the posts resource, and their validation.

use poem_openapi::Object;
use registry_core::level::Level as CoreLevel;
use registry_core::post::Post as CorePost;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::db::entities::post;
use crate::mirror::Level;
use crate::problem::ApiError;

/// Body of `POST /api/v1/posts`.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(rename_all = "snake_case", deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct CreatePost {
    /// The unit that sets the post; the post takes the unit's region.
    #[oai(validator(min_length = 1, max_length = 36))]
    pub unit_id: String,
    /// Title, 1 to 100 characters.
    #[oai(validator(min_length = 1, max_length = 100))]
    pub title: String,
    /// Lowest credential level the post requires, if any.
    #[serde(default)]
    pub min_level: Option<Level>,
    /// Professional-technical grade, 1 to 13, if set.
    #[oai(validator(minimum(value = "1"), maximum(value = "13")))]
    #[serde(default)]
    pub grade: Option<i64>,
    /// Whether the post may be held part-time.
    pub part_time_allowed: bool,
}

/// Body of `PUT /api/v1/posts/{id}`: the replaceable state (a post cannot change unit).
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(rename_all = "snake_case", deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct UpdatePost {
    /// Title, 1 to 100 characters.
    #[oai(validator(min_length = 1, max_length = 100))]
    pub title: String,
    /// Lowest credential level the post requires, if any.
    #[serde(default)]
    pub min_level: Option<Level>,
    /// Professional-technical grade, 1 to 13, if set.
    #[oai(validator(minimum(value = "1"), maximum(value = "13")))]
    #[serde(default)]
    pub grade: Option<i64>,
    /// Whether the post may be held part-time.
    pub part_time_allowed: bool,
}

/// Validates post fields with `registry_core::post::Post::new` (ids are the store's).
fn core_post(
    title: &str,
    min_level: Option<Level>,
    grade: Option<i64>,
    part_time_allowed: bool,
) -> Result<CorePost, ApiError> {
    // Out-of-range values become 255, which the core rejects with `post.grade_range`.
    let grade = grade.map(|g| u8::try_from(g).unwrap_or(u8::MAX));
    CorePost::new(
        0,
        0,
        title,
        min_level.map(CoreLevel::from),
        grade,
        part_time_allowed,
    )
    .map_err(ApiError::from)
}

impl CreatePost {
    /// Validates the post's own fields (the unit is checked against storage).
    pub fn validate(&self) -> Result<CorePost, ApiError> {
        core_post(
            &self.title,
            self.min_level,
            self.grade,
            self.part_time_allowed,
        )
    }
}

impl UpdatePost {
    /// Validates the replaceable fields.
    pub fn validate(&self) -> Result<CorePost, ApiError> {
        core_post(
            &self.title,
            self.min_level,
            self.grade,
            self.part_time_allowed,
        )
    }
}

/// A post.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct Post {
    /// Post id (UUID).
    pub id: String,
    /// The unit that sets the post.
    pub unit_id: String,
    /// The unit's region.
    pub region_code: String,
    /// Title.
    pub title: String,
    /// Lowest credential level required, if any.
    #[oai(skip_serializing_if_is_none)]
    pub min_level: Option<Level>,
    /// Professional-technical grade, if set.
    #[oai(skip_serializing_if_is_none)]
    pub grade: Option<i32>,
    /// Whether the post may be held part-time.
    pub part_time_allowed: bool,
    /// Version, as in the ETag.
    pub version: i64,
    /// Created (UTC).
    pub created_at: OffsetDateTime,
    /// Last updated (UTC).
    pub updated_at: OffsetDateTime,
}

impl Post {
    /// The response for a stored row.
    pub fn view(m: post::Model) -> Result<Self, ApiError> {
        let min_level = m
            .min_level
            .as_deref()
            .map(CoreLevel::parse)
            .transpose()
            .map_err(ApiError::internal)?
            .map(Level::from);
        Ok(Self {
            id: m.id,
            unit_id: m.unit_id,
            region_code: m.region_code,
            title: m.title,
            min_level,
            grade: m.grade,
            part_time_allowed: m.part_time_allowed,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

/// Rebuilds the core post of a stored row (for rules such as part-time assignments).
pub fn stored_core_post(m: &post::Model) -> Result<CorePost, ApiError> {
    let min_level = m
        .min_level
        .as_deref()
        .map(CoreLevel::parse)
        .transpose()
        .map_err(ApiError::internal)?;
    let grade = m
        .grade
        .map(|g| u8::try_from(g).map_err(ApiError::internal))
        .transpose()?;
    CorePost::new(0, 0, &m.title, min_level, grade, m.part_time_allowed).map_err(ApiError::internal)
}

/// One page of posts.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct PostPage {
    /// The posts, oldest first.
    pub items: Vec<Post>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
}
