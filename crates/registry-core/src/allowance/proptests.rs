//! Property tests of `decide`: determinism, bounds of the amount, highest level wins,
//! and the serious list always blocks where the policy says so.

use proptest::prelude::*;
use time::{Date, Duration};

use super::tests::{appraisal, assignment, credential, registration, serious_listing, ym};
use super::*;
use crate::appraisal::Grade;
use crate::calendar::YearMonth;
use crate::ids::RegionCode;
use crate::level::Level;
use crate::post::{TimeBasis, UnitType};

const REGIONS: [&str; 6] = ["510104", "510100", "620102", "371002", "330302", "350923"];

fn day(offset: u16) -> Date {
    Date::from_calendar_date(2015, time::Month::January, 1).unwrap()
        + Duration::days(i64::from(offset))
}

prop_compose! {
    fn worker()(
        region in 0usize..REGIONS.len(),
        creds in prop::collection::vec((0usize..4, 0u16..4000, any::<bool>(), 0u16..400), 0..4),
        posts in prop::collection::vec((0usize..4, 0u16..4000, any::<bool>()), 0..3),
        grades in prop::collection::vec((2016i32..2027, 0usize..4), 0..5),
    ) -> WorkerFacts {
        let mut f = WorkerFacts::new(1, RegionCode::parse(REGIONS[region]).unwrap());
        for (i, (lvl, issued, registered, reg_delay)) in creds.into_iter().enumerate() {
            let id = i as u64 + 1;
            f.credentials.push(credential(id, Level::ALL[lvl], day(issued)));
            if registered {
                f.registrations.push(registration(100 + id, id, day(issued.saturating_add(reg_delay))));
            }
        }
        let types = [UnitType::UrbanCommunity, UnitType::AdministrativeVillage, UnitType::Agency, UnitType::Other];
        for (i, (t, start, full)) in posts.into_iter().enumerate() {
            let basis = if full { TimeBasis::FullTime } else { TimeBasis::PartTime };
            f.assignments.push(assignment(200 + i as u64, types[t], day(start), basis));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, (year, g)) in grades.into_iter().enumerate() {
            if seen.insert(year) {
                f.appraisals.push(appraisal(300 + i as u64, year, Grade::ALL[g]));
            }
        }
        f
    }
}

fn month() -> impl Strategy<Value = YearMonth> {
    (0i64..150).prop_map(|n| ym("2015-06").plus(n))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn decisions_are_deterministic_and_ignore_input_order(f in worker(), m in month()) {
        let set = samples::sample_policies();
        let a = decide(&f, &set, m);
        prop_assert_eq!(&a, &decide(&f, &set, m));
        let mut rev = f.clone();
        rev.credentials.reverse();
        rev.registrations.reverse();
        rev.assignments.reverse();
        rev.appraisals.reverse();
        let b = decide(&rev, &set, m);
        prop_assert_eq!((a.eligible, a.amount, a.level, a.grade_steps), (b.eligible, b.amount, b.level, b.grade_steps));
    }

    #[test]
    fn amount_is_never_negative_nor_above_the_policy_top(f in worker(), m in month()) {
        let set = samples::sample_policies();
        let d = decide(&f, &set, m);
        prop_assert!(d.amount >= crate::money::Yuan::ZERO);
        let top = set.select(&f.region, m).map(|p| p.max_amount()).unwrap_or_default();
        prop_assert!(d.amount <= top, "{} > {}", d.amount, top);
        prop_assert_eq!(d.eligible, d.blocking().next().is_none());
        if !d.eligible {
            prop_assert_eq!(d.amount, crate::money::Yuan::ZERO);
        }
    }

    #[test]
    fn highest_level_wins(f in worker(), m in month()) {
        // A senior credential issued and registered long before the month, in a region whose
        // policy covers senior: the decision's level is senior whenever it names a level.
        let set = samples::sample_policies();
        let mut g = f.clone();
        g.region = RegionCode::parse("510104").unwrap();
        g.credentials.push(credential(99, Level::Senior, day(0)));
        let renewals = (0..5).map(|k| registration(199 + k, 99, crate::calendar::add_months(day(0), 36 * k as i64)));
        g.registrations.extend(renewals);
        let d = decide(&g, &set, m);
        if m >= ym("2019-01") {
            prop_assert_eq!(d.level, Some(Level::Senior));
            if d.eligible {
                prop_assert_eq!(d.amount.to_string(), "1200.00");
            }
        }
    }

    #[test]
    fn serious_list_never_pays_where_the_policy_excludes_it(f in worker(), m in month(), before in 0i64..60) {
        let set = samples::sample_policies();
        let mut g = f.clone();
        g.credit_entries = serious_listing(500, m.first_day() - Duration::days(before * 20));
        let d = decide(&g, &set, m);
        let excludes = set.select(&g.region, m).is_some_and(|p| p.conditions().exclude_serious_list);
        if excludes {
            prop_assert!(!d.eligible);
            prop_assert!(d.has(ReasonCode::CreditSeriousList));
        }
    }
}
