//! [`mirror_enum!`]: an API `Enum` that mirrors a `registry-core` enum variant for variant,
//! with `From` both ways, so the schema lists the codes and the core type stays HTTP-free.

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
