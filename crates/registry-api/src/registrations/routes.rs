//! `/api/v1/credentials/{id}/registrations` ([`CredentialRegistrationsApi`]: create, list)
//! and `/api/v1/registrations/{id}` ([`RegistrationApi`]: read).

use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::api::{CreateRegistration, Registration, RegistrationKind, RegistrationPage};
use super::store;
use crate::audited::Read;
use crate::auth::{Auth, Role};
use crate::create::{CreateCtx, Idempotent, create_once};
use crate::credentials::routes::readable_credential;
use crate::db::entities::{credential, registration};
use crate::listing::Page;
use crate::observe::RequestId;
use crate::payload::JsonBody;
use crate::problem::{ApiError, Errors, NestedCreateErrors, ReadErrors};
use crate::routes::Tags;
use crate::scope::{can_write_worker, find_through_worker};
use crate::state::AppState;

const CURSOR_PREFIX: &str = "r1:";

/// A registration was recorded (or a retry with the same `Idempotency-Key` replayed).
#[derive(ApiResponse)]
pub enum CreatedRegistration {
    /// The registration and its location.
    #[oai(status = 201)]
    Created(Json<Registration>, #[oai(header = "Location")] String),
}

/// One registration.
#[derive(ApiResponse)]
pub enum OneRegistration {
    /// The registration.
    #[oai(status = 200)]
    Ok(Json<Registration>),
}

/// A page of registrations.
#[derive(ApiResponse)]
pub enum RegistrationList {
    /// The page.
    #[oai(status = 200)]
    Ok(Json<RegistrationPage>),
}

/// A credential's registrations.
pub struct CredentialRegistrationsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::Registrations")]
impl CredentialRegistrationsApi {
    /// Record a registration
    ///
    /// Admin of the holder's region only. `valid_until` is computed from `registered_on`
    /// by the national rules (three years, to the day before the anniversary). Send an
    /// `Idempotency-Key` to make retries safe.
    #[oai(
        path = "/credentials/:credential_id/registrations",
        method = "post",
        operation_id = "create_registration"
    )]
    async fn create_registration(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Credential id.
        credential_id: Path<String>,
        /// Makes the create safe to retry (1 to 255 characters, unique per request).
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        idempotency_key: Header<Option<String>>,
        body: JsonBody<CreateRegistration>,
    ) -> Result<Idempotent<CreatedRegistration>, Errors<NestedCreateErrors>> {
        let p = &auth.0;
        p.require(&[Role::Admin])?;
        let (credential, _) =
            find_through_worker::<credential::Entity, _>(&state.db, &credential_id.0, |_, w| {
                can_write_worker(p, w)
            })
            .await?
            .ok_or_else(ApiError::not_found)?;
        let input = body.value.validate(&credential)?;
        let ctx = CreateCtx {
            principal: p,
            request_id: &request_id,
            operation: "create_registration",
            resource: "registration",
            key: idempotency_key.0.as_deref(),
            raw_body: &body.raw,
            worker_id: Some(&credential.worker_id),
        };
        Ok(create_once(
            &state,
            ctx,
            |m: &registration::Model| &m.id,
            async |txn, id| {
                let m =
                    store::insert(&txn, id, &credential.id, &credential.worker_id, &input).await?;
                Ok((txn, m))
            },
            |m| {
                let location = format!("/api/v1/registrations/{}", m.id);
                Ok(CreatedRegistration::Created(
                    Json(Registration::view(m)?),
                    location,
                ))
            },
        )
        .await?)
    }

    /// List a credential's registrations
    ///
    /// For whoever may read the credential's holder; others get a 404. Oldest first, in
    /// pages of `limit` (default 50, maximum 200); follow `next_cursor`. Filter: `kind`.
    #[oai(
        path = "/credentials/:credential_id/registrations",
        method = "get",
        operation_id = "list_registrations"
    )]
    #[allow(clippy::too_many_arguments)] // one argument per documented parameter
    async fn list_registrations(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Credential id.
        credential_id: Path<String>,
        /// Only registrations of this kind.
        kind: Query<Option<RegistrationKind>>,
        /// `next_cursor` of the previous page.
        #[oai(validator(min_length = 1, max_length = 200))]
        cursor: Query<Option<String>>,
        /// Page size: default 50, maximum 200.
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<RegistrationList, Errors<ReadErrors>> {
        let page = Page::new(CURSOR_PREFIX, cursor.0.as_deref(), limit.0)?;
        let credential = readable_credential(&state, &auth.0, &credential_id.0).await?;
        Read::new(&auth.0, &request_id, "list_registrations")
            .record(
                &state,
                "credential",
                &credential.id,
                Some(&credential.worker_id),
            )
            .await?;
        let kind = kind.0.map(RegistrationKind::code);
        let rows = store::list(&state.db, &credential.id, kind, page.after(), page.limit).await?;
        let (items, next_cursor) = page.finish(rows, |m| &m.id, Registration::view)?;
        Ok(RegistrationList::Ok(Json(RegistrationPage {
            items,
            next_cursor,
        })))
    }
}

/// One registration.
pub struct RegistrationApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::Registrations")]
impl RegistrationApi {
    /// Read a registration
    ///
    /// For whoever may read the holder; everyone else gets the same 404 as for an id that
    /// does not exist.
    #[oai(
        path = "/registrations/:id",
        method = "get",
        operation_id = "get_registration"
    )]
    async fn get_registration(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Registration id.
        id: Path<String>,
    ) -> Result<OneRegistration, Errors<ReadErrors>> {
        let r = Read::new(&auth.0, &request_id, "get_registration")
            .one::<registration::Entity>(&state, "registration", &id.0)
            .await?;
        Ok(OneRegistration::Ok(Json(Registration::view(r)?)))
    }
}
