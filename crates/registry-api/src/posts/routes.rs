//! `/api/v1/posts` ([`PostsApi`]: create, list) and `/api/v1/posts/{id}`
//! ([`PostApi`]: read, update).

use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::api::{CreatePost, Post, PostPage, UpdatePost};
use super::store::{self, PostFilter};
use crate::auth::{Auth, Role};
use crate::concurrency::{etag, expected_version};
use crate::create::{CreateCtx, Idempotent, create_once};
use crate::db::entities::post;
use crate::events::relevance;
use crate::listing::{Page, region_visible};
use crate::mirror::Level;
use crate::observe::RequestId;
use crate::payload::JsonBody;
use crate::problem::{
    ApiError, CreateErrors, Errors, ListErrors, ProblemField, ReadErrors, UpdateErrors,
};
use crate::region_scope::{begin_update, find_readable};
use crate::routes::Tags;
use crate::state::AppState;
use crate::units::routes::writable_region;
use crate::update::UpdateCtx;

const CURSOR_PREFIX: &str = "p1:";

/// A post was created (or a retry with the same `Idempotency-Key` replayed).
#[derive(ApiResponse)]
pub enum CreatedPost {
    /// The post, with its location and ETag.
    #[oai(status = 201)]
    Created(
        Json<Post>,
        #[oai(header = "Location")] String,
        #[oai(header = "ETag")] String,
    ),
}

/// One post with its ETag.
#[derive(ApiResponse)]
pub enum OnePost {
    /// The post; send the ETag back in `If-Match` to update it.
    #[oai(status = 200)]
    Ok(Json<Post>, #[oai(header = "ETag")] String),
}

/// A page of posts.
#[derive(ApiResponse)]
pub enum PostList {
    /// The page.
    #[oai(status = 200)]
    Ok(Json<PostPage>),
}

/// The 422 for a reference to a record that is missing or outside the caller's scope.
pub fn unknown_reference(field: &str, what: &str) -> ApiError {
    ApiError::validation(vec![ProblemField {
        field: field.to_owned(),
        rule: format!("{field}.not_found"),
        message: format!("no {what} with this id in the caller's region"),
    }])
}

fn one(m: post::Model) -> Result<OnePost, ApiError> {
    let tag = etag(m.version);
    Ok(OnePost::Ok(Json(Post::view(m)?), tag))
}

/// Operations on the post collection.
pub struct PostsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::Posts")]
impl PostsApi {
    /// Create a post
    ///
    /// Admin only, for a unit of the admin's region (a unit elsewhere is reported like a
    /// missing one: 422 `unit_id.not_found`). The post takes the unit's region. Send an
    /// `Idempotency-Key` to make retries safe.
    #[oai(path = "/posts", method = "post", operation_id = "create_post")]
    async fn create_post(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Makes the create safe to retry (1 to 255 characters, unique per request).
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        idempotency_key: Header<Option<String>>,
        body: JsonBody<CreatePost>,
    ) -> Result<Idempotent<CreatedPost>, Errors<CreateErrors>> {
        let p = &auth.0;
        p.require(&[Role::Admin])?;
        let input = body.value.validate()?;
        let unit = crate::units::store::find(&state.db, &body.value.unit_id)
            .await?
            .filter(|u| writable_region(p, &u.region_code))
            .ok_or_else(|| unknown_reference("unit_id", "unit"))?;
        let ctx = CreateCtx {
            principal: p,
            request_id: &request_id,
            operation: "create_post",
            resource: "post",
            key: idempotency_key.0.as_deref(),
            raw_body: &body.raw,
            worker_id: None,
        };
        Ok(create_once(
            &state,
            ctx,
            |m: &post::Model| &m.id,
            async |txn, id| {
                let m = store::insert(&txn, id, &unit.id, &unit.region_code, &input).await?;
                Ok((txn, m))
            },
            |m| {
                let location = format!("/api/v1/posts/{}", m.id);
                let tag = etag(m.version);
                Ok(CreatedPost::Created(Json(Post::view(m)?), location, tag))
            },
        )
        .await?)
    }

    /// List posts
    ///
    /// Posts of units in the caller's region, oldest first, in pages of `limit` (default 50,
    /// maximum 200); follow `next_cursor`. Filters: `unit_id`, `min_level`. Workers get an
    /// empty list.
    #[oai(path = "/posts", method = "get", operation_id = "list_posts")]
    async fn list_posts(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        /// Only posts of this unit.
        #[oai(validator(min_length = 1, max_length = 36))]
        unit_id: Query<Option<String>>,
        /// Only posts requiring exactly this minimum level.
        min_level: Query<Option<Level>>,
        /// `next_cursor` of the previous page.
        #[oai(validator(min_length = 1, max_length = 200))]
        cursor: Query<Option<String>>,
        /// Page size: default 50, maximum 200.
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<PostList, Errors<ListErrors>> {
        let page = Page::new(CURSOR_PREFIX, cursor.0.as_deref(), limit.0)?;
        let visible = region_visible(&auth.0, None)?;
        let filter = PostFilter {
            unit_id: unit_id.0.as_deref(),
            min_level: min_level
                .0
                .map(|l| registry_core::level::Level::from(l).code()),
        };
        let rows = store::list(&state.db, visible, filter, page.after(), page.limit).await?;
        let (items, next_cursor) = page.finish(rows, |m| &m.id, Post::view)?;
        Ok(PostList::Ok(Json(PostPage { items, next_cursor })))
    }
}

/// Operations on one post.
pub struct PostApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::Posts")]
impl PostApi {
    /// Read a post
    ///
    /// Admins and hr of the unit's region; everyone else gets the same 404 as for an id that
    /// does not exist.
    #[oai(path = "/posts/:id", method = "get", operation_id = "get_post")]
    async fn get_post(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        /// Post id.
        id: Path<String>,
    ) -> Result<OnePost, Errors<ReadErrors>> {
        Ok(one(find_readable(&state, &auth.0, &id.0).await?)?)
    }

    /// Update a post
    ///
    /// Admin of the unit's region only; replaces title, minimum level, grade and part-time
    /// permission (the unit cannot change). `If-Match` with the ETag from the last read is
    /// required: missing is 428, stale is 412.
    #[oai(path = "/posts/:id", method = "put", operation_id = "update_post")]
    async fn update_post(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Post id.
        id: Path<String>,
        /// The ETag from the last read, e.g. `"3"`.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: JsonBody<UpdatePost>,
    ) -> Result<OnePost, Errors<UpdateErrors>> {
        let (p, id) = (&auth.0, id.0.as_str());
        let ctx = UpdateCtx::by_admin(p, &request_id, "update_post", "post", id)?;
        let expected = expected_version(if_match.0.as_deref())?;
        let input = body.value.validate()?;
        let update = begin_update::<post::Model>(&state, ctx, expected).await?;
        update
            .apply(async |txn| Ok(store::update_if_version(txn, id, expected, &input).await?))
            .await?;
        let m = update
            .commit(|before, after, change| relevance::post_update(before, after).then_some(change))
            .await?;
        Ok(one(m)?)
    }
}
