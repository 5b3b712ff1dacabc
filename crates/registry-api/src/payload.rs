//! [`JsonBody`]: the request-body extractor every write uses.
//!
//! poem-openapi's own `Json<T>` reports a missing or unknown field as a sentence without the
//! field's path. `JsonBody<T>` documents the same schema (`T: Type`, usually an `Object` with
//! `deny_unknown_fields`) but parses with serde and `serde_path_to_error`, so every problem
//! names its field: `{"field": "education.level", "rule": "body.invalid_value", ...}`.
//! The body is read with a size limit ([`MAX_BODY_BYTES`]) before parsing.
//!
//! Request types therefore derive both `Object` (schema) and `Deserialize` (parsing) and must
//! keep the two in step: `#[oai(rename_all = "snake_case", deny_unknown_fields)]` and
//! `#[serde(deny_unknown_fields)]`.

use poem::{Request, RequestBody};
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaMediaType, MetaRequest, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use serde::de::DeserializeOwned;

use crate::problem::{ApiError, ProblemField, ProblemKind};

/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A JSON request body parsed with serde, with errors that name the field.
#[derive(Debug)]
pub struct JsonBody<T> {
    /// The parsed value.
    pub value: T,
    /// The raw bytes, e.g. for an idempotency fingerprint.
    pub raw: Vec<u8>,
}

fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
}

impl<T: Type + Send> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = "application/json";

    fn check_content_type(content_type: &str) -> bool {
        is_json(content_type)
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type + DeserializeOwned + Send> ParsePayload for JsonBody<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(_request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let raw = body
            .take()?
            .into_bytes_limit(MAX_BODY_BYTES)
            .await
            .map_err(|e| match e {
                poem::error::ReadBodyError::PayloadTooLarge => ApiError::new(
                    ProblemKind::PayloadTooLarge,
                    "the body is larger than 64 KiB",
                ),
                _ => ApiError::new(ProblemKind::MalformedBody, "the body could not be read"),
            })?;
        let value = parse_json::<T>(&raw)?;
        Ok(Self {
            value,
            raw: raw.to_vec(),
        })
    }
}

/// Parses `raw` as `T`, turning serde's errors into problems that name the field.
pub fn parse_json<T: DeserializeOwned>(raw: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(raw);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(v),
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            use serde_json::error::Category;
            match inner.classify() {
                Category::Syntax | Category::Eof | Category::Io => Err(ApiError::new(
                    ProblemKind::MalformedBody,
                    format!(
                        "the body is not valid JSON (line {}, column {})",
                        inner.line(),
                        inner.column()
                    ),
                )),
                Category::Data => Err(ApiError::validation(vec![field_problem(
                    &path,
                    &inner.to_string(),
                )])),
            }
        }
    }
}

fn join(path: &str, name: &str) -> String {
    if path == name || path.ends_with(&format!(".{name}")) {
        path.to_owned()
    } else if path.is_empty() || path == "." {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

fn backticked(msg: &str) -> Option<&str> {
    let start = msg.find('`')? + 1;
    let len = msg[start..].find('`')?;
    Some(&msg[start..start + len])
}

fn field_problem(path: &str, message: &str) -> ProblemField {
    // serde_json appends " at line L column C"; drop it.
    let message = message
        .rsplit_once(" at line ")
        .map_or(message, |(m, _)| m)
        .to_owned();
    let (field, rule) = if message.starts_with("unknown field") {
        (
            join(path, backticked(&message).unwrap_or("?")),
            "body.unknown_field",
        )
    } else if message.starts_with("missing field") {
        (
            join(path, backticked(&message).unwrap_or("?")),
            "body.missing_field",
        )
    } else if message.starts_with("invalid type") {
        (join(path, ""), "body.invalid_type")
    } else {
        (join(path, ""), "body.invalid_value")
    };
    let field = field.trim_end_matches('.').to_owned();
    ProblemField {
        field: if field.is_empty() {
            "body".to_owned()
        } else {
            field
        },
        rule: rule.to_owned(),
        message,
    }
}

impl<'a, T: Type + DeserializeOwned + Send> ApiExtractor<'a> for JsonBody<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        <Self as Payload>::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![MetaMediaType {
                content_type: <Self as Payload>::CONTENT_TYPE,
                schema: <Self as Payload>::schema_ref(),
            }],
            required: true,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        match request.content_type() {
            Some(ct) if is_json(ct) => <Self as ParsePayload>::from_request(request, body).await,
            Some(_) => Err(ApiError::new(
                ProblemKind::UnsupportedMediaType,
                "the body must be application/json",
            )
            .into()),
            None => Err(ApiError::new(
                ProblemKind::UnsupportedMediaType,
                "a Content-Type: application/json header is required",
            )
            .into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        level: String,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        education: Inner,
    }

    fn err(raw: &str) -> ApiError {
        parse_json::<Outer>(raw.as_bytes()).unwrap_err()
    }

    #[test]
    fn names_the_field() {
        let e = err(r#"{"name":"a","education":{"level":"x","extra":1}}"#);
        assert_eq!(e.errors[0].field, "education.extra");
        assert_eq!(e.errors[0].rule, "body.unknown_field");
        let e = err(r#"{"education":{"level":"x"}}"#);
        assert_eq!(e.errors[0].field, "name");
        assert_eq!(e.errors[0].rule, "body.missing_field");
        let e = err(r#"{"name":5,"education":{"level":"x"}}"#);
        assert_eq!(e.errors[0].field, "name");
        assert_eq!(e.errors[0].rule, "body.invalid_type");
        let e = err("null");
        assert_eq!(e.errors[0].field, "body");
        let e = err("{");
        assert_eq!(e.kind, ProblemKind::MalformedBody);
    }
}
