//! [`SerdeJson`]: a JSON response body written by serde in one pass.
//!
//! poem-openapi's `Json<T>` answers by first building the whole body as a `serde_json::Value`
//! tree (`ToJSON::to_json`: a map, a string copy and a heap node per field), then writing that
//! tree out. For the single-worker decisions, the hottest responses of the service, the tree
//! cost about 7 % of the server's CPU (perf, BENCHMARKS.md session 15). `SerdeJson<T>`
//! documents the same schema (`T: Type`, an `Object`) but writes `T`'s `Serialize`
//! directly.
//!
//! Response types using it therefore derive both `Object` (schema) and `Serialize` (body) and
//! must keep the two in step: `#[oai(rename_all = "snake_case")]` with
//! `#[serde(rename_all = "snake_case")]`, every `#[oai(skip_serializing_if_is_none)]` with
//! `#[serde(skip_serializing_if = "Option::is_none")]`, and dates and times through
//! [`crate::dates`], [`date_time`] and [`option_date_time`], which write the formats
//! poem-openapi writes. The tests of each such type compare both bodies for every shape it takes.

use poem::http::StatusCode;
use poem::http::header::CONTENT_TYPE;
use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use serde::Serialize;

/// The content type of the bodies, as poem-openapi's `Json<T>` sends it.
const JSON_UTF8: &str = "application/json; charset=utf-8";

/// A JSON response body: `T`'s schema, written by `T`'s `Serialize` (see the module docs).
#[derive(Debug, Clone)]
pub struct SerdeJson<T>(pub T);

impl<T: Type> Payload for SerdeJson<T> {
    const CONTENT_TYPE: &'static str = JSON_UTF8;

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Serialize + Send> IntoResponse for SerdeJson<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(body) => Response::builder()
                .header(CONTENT_TYPE, JSON_UTF8)
                .body(body),
            // Only a map with non-string keys or a failing `Serialize` impl get here; the
            // response types have neither.
            Err(e) => Response::builder()
                .status(StatusCode::INTERNAL_SERVER_ERROR)
                .body(e.to_string()),
        }
    }
}

impl<T: Type + Serialize + Send> ApiResponse for SerdeJson<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: JSON_UTF8,
                    schema: <Self as Payload>::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

/// An `OffsetDateTime` as poem-openapi writes it: RFC 3339.
pub mod date_time {
    use serde::{Serialize, Serializer};
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;

    /// Serializes `t` as RFC 3339.
    pub fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        t.format(&Rfc3339)
            .map_err(serde::ser::Error::custom)?
            .serialize(s)
    }
}

/// An optional `OffsetDateTime` as poem-openapi writes it (use with
/// `skip_serializing_if = "Option::is_none"`).
pub mod option_date_time {
    use serde::Serializer;
    use time::OffsetDateTime;

    /// Serializes `Some(t)` as RFC 3339, `None` as `null`.
    pub fn serialize<S: Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => super::date_time::serialize(t, s),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use poem_openapi::types::ToJSON;
    use serde::Serialize;
    use time::macros::{date, datetime};
    use time::{Date, OffsetDateTime};

    #[derive(Serialize)]
    struct Times {
        #[serde(with = "crate::dates")]
        day: Date,
        #[serde(with = "super::date_time")]
        at: OffsetDateTime,
        #[serde(with = "super::option_date_time")]
        maybe: Option<OffsetDateTime>,
    }

    #[test]
    fn dates_and_times_are_written_as_poem_openapi_writes_them() {
        for (day, at) in [
            (
                date!(2026 - 10 - 01),
                datetime!(2026-12-07 06:50:14.123456 UTC),
            ),
            (date!(0001 - 01 - 01), datetime!(2026-01-31 23:59:59 +08:00)),
            (date!(9999 - 12 - 31), datetime!(1999-12-31 00:00:00 -05:30)),
        ] {
            let written = serde_json::to_value(Times {
                day,
                at,
                maybe: Some(at),
            })
            .unwrap();
            assert_eq!(Some(written["day"].clone()), day.to_json());
            assert_eq!(Some(written["at"].clone()), at.to_json());
            assert_eq!(Some(written["maybe"].clone()), at.to_json());
        }
    }
}
