//! Sample policies shipped as data files in `crates/registry-core/policies/`. Every one is
//! marked `"sample": true`: the schedules come from real local examples (DOMAIN.md §5), but
//! splits and conditions not confirmed by a source are placeholders to be replaced.

use super::policy::{AllowancePolicy, PolicySet};

/// The raw JSON of each sample policy, with its file name.
pub const SAMPLE_POLICY_FILES: [(&str, &str); 5] = [
    (
        "chengdu-community-monthly.json",
        include_str!("../../policies/chengdu-community-monthly.json"),
    ),
    (
        "gansu-monthly.json",
        include_str!("../../policies/gansu-monthly.json"),
    ),
    (
        "weihai-one-off.json",
        include_str!("../../policies/weihai-one-off.json"),
    ),
    (
        "wenzhou-grade-steps.json",
        include_str!("../../policies/wenzhou-grade-steps.json"),
    ),
    (
        "pingnan-time-limited.json",
        include_str!("../../policies/pingnan-time-limited.json"),
    ),
];

/// Parses every sample file. A broken file is a bug in this crate, caught by its tests;
/// it is skipped here rather than panicking in a linking program.
pub fn sample_policy_list() -> Vec<AllowancePolicy> {
    SAMPLE_POLICY_FILES
        .iter()
        .filter_map(|(_, json)| serde_json::from_str::<AllowancePolicy>(json).ok())
        .collect()
}

/// The samples as a checked [`PolicySet`] with the national registration and credit rules.
///
/// ```
/// use registry_core::allowance::samples::sample_policies;
/// use registry_core::calendar::YearMonth;
/// use registry_core::ids::RegionCode;
/// let set = sample_policies();
/// let p = set.select(&RegionCode::parse("510104").unwrap(), YearMonth::parse("2026-01").unwrap()).unwrap();
/// assert_eq!(&**p.id(), "cd-community-allowance");
/// assert!(p.is_sample());
/// ```
pub fn sample_policies() -> PolicySet {
    PolicySet::new(sample_policy_list()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_file_parses_and_is_marked_sample() {
        for (name, json) in SAMPLE_POLICY_FILES {
            let p: AllowancePolicy =
                serde_json::from_str(json).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(p.is_sample(), "{name} must be marked as a sample");
            assert!(!p.source().is_empty(), "{name} must cite its source");
        }
        assert_eq!(
            sample_policies().policies().len(),
            SAMPLE_POLICY_FILES.len()
        );
    }
}
