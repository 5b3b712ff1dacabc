//! Versioned schema migrations (sea-orm-migration), identical on SQLite and PostgreSQL.
//!
//! Rules for adding one: a new file `mNNNN_<what>.rs`, appended to [`Migrator::migrations`];
//! never edit a released migration; build tables with sea-query so both backends get the same
//! shape, and keep backend-specific SQL (triggers) behind `manager.get_database_backend()`.
//! Every migration runs in a transaction on both backends (`use_transaction`), so a failed
//! migration leaves nothing half-applied.

mod append_only;
mod m0001_initial;
mod m0002_units;
mod m0003_posts;
mod m0004_credentials;
mod m0005_registrations;
mod m0006_continuing_education;
mod m0007_assignments;
mod m0008_audit_subject;
mod m0009_appraisals;
mod m0010_credit_entries;
mod m0011_objections;
mod m0012_allowance;
mod m0016_idempotent_response;
mod m0017_allowance_runs;
mod m0019_events;
mod m0020_policy_generation;
mod m0021_recorded_order;
mod m0022_unpublished_run_rows;

use sea_orm_migration::prelude::*;

/// The registry's migrator.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_initial::Migration),
            Box::new(m0002_units::Migration),
            Box::new(m0003_posts::Migration),
            Box::new(m0004_credentials::Migration),
            Box::new(m0005_registrations::Migration),
            Box::new(m0006_continuing_education::Migration),
            Box::new(m0007_assignments::Migration),
            Box::new(m0008_audit_subject::Migration),
            Box::new(m0009_appraisals::Migration),
            Box::new(m0010_credit_entries::Migration),
            Box::new(m0011_objections::Migration),
            Box::new(m0012_allowance::Migration),
            Box::new(m0016_idempotent_response::Migration),
            Box::new(m0017_allowance_runs::Migration),
            Box::new(m0019_events::Migration),
            Box::new(m0020_policy_generation::Migration),
            Box::new(m0021_recorded_order::Migration),
            Box::new(m0022_unpublished_run_rows::Migration),
        ]
    }
}
