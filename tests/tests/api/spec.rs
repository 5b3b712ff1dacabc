//! The committed spec `openapi/registry.yaml` is the contract: it must equal the generated one.

#[test]
fn committed_spec_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/registry.yaml");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let generated = registry_api::spec_yaml();
    assert!(
        committed == generated,
        "openapi/registry.yaml is out of date; regenerate it with\n    \
         cargo run -p registry-api -- openapi > openapi/registry.yaml"
    );
}
