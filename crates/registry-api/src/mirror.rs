//! API enums that mirror `registry-core` enums, so the schema lists the codes and the core
//! types stay HTTP-free: [`crate::mirror_enum!`] writes the `From` impls both ways, and [`Level`]
//! (used by posts and credentials) lives here.

use poem_openapi::Enum;
use serde::{Deserialize, Serialize};

/// Implements `From<$api> for $core` and `From<$core> for $api` for identically named variants.
#[macro_export]
macro_rules! mirror_enum {
    ($api:ident, $core:path, [$($v:ident),* $(,)?]) => {
        impl From<$api> for $core {
            fn from(v: $api) -> Self {
                match v {
                    $($api::$v => <$core>::$v,)*
                }
            }
        }
        impl From<$core> for $api {
            fn from(v: $core) -> Self {
                match v {
                    $(<$core>::$v => $api::$v,)*
                }
            }
        }
    };
}

/// Credential level, lowest first (see `registry_core::level::Level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 社工员.
    Aide,
    /// 助理社会工作师.
    Assistant,
    /// 社会工作师.
    Intermediate,
    /// 高级社会工作师.
    Senior,
}

mirror_enum!(
    Level,
    registry_core::level::Level,
    [Aide, Assistant, Intermediate, Senior]
);
