//! The team server (PostgreSQL 15+): its schema, and the connection that speaks to it.
//!
//! Team mode shares one brand workspace between laptops through a PostgreSQL database. This
//! module holds that database's schema as numbered migrations (`migrations/*.sql`) and the
//! client side (`server.rs`): connecting as a member's own login, the two-round-trip write,
//! pulls, logins and the operator's upload. `tests/team_rls.rs` applies the migrations to a
//! real server and probes every rule with each member's own credentials.
//!
//! # Roles
//!
//! Roles are cluster-global, so each workspace's are prefixed `cs_<tag>_` (see
//! [`migrations::role_prefix`]):
//!
//! - `…_owner` (NOLOGIN, CREATEROLE) owns every table, function and the `cs` schema. Nobody
//!   logs in as it, so row-level security applies to every member.
//! - `…_migrator`-style operator login (made by whoever provisions the database; it owns the
//!   database and is granted the owner by migration 0001): runs migrations, writes the
//!   workspace row and the roster's genesis at team init, makes the first admin's login with
//!   `cs.create_login`. It is the operator's tool, never a member.
//! - `…_member` ⊃ `…_contributor`, `…_reviewer` ⊃ `…_admin`: groups, NOLOGIN.
//! - `…_m_<member uuid>`: one LOGIN role per member, in exactly one group, created only by
//!   `cs.create_login` (owner only) or `cs.invite` (admins only), each taking a SCRAM-SHA-256
//!   verifier computed on the laptop, never a password.
//!
//! # Trust model
//!
//! Identity comes from the connection, never a parameter: `cs.me()` is the active member whose
//! login role is `session_user`; what they may do is decided by their `members.role`
//! (`cs.my_role()`). Grants make the insert-only tables (audit, roster, comments, versions,
//! parts) insert-only; policies make every row be written as its member; triggers keep the
//! audit and roster chains linear (`seq = head + 1`, `prev_hash = head.hash`, else 40001) and
//! guard post transitions (author immutable; approved or scheduled only with the acting
//! reviewer's own live approval of this version; a claim only by a reviewer, as themselves,
//! epoch + 1 with a lease; a live claim changed only by its claimant; a takeover only after the
//! lease, epoch + 1). Instants the server must decide on come from `cs.now_ms()`, its clock.
//!
//! This keeps an honest-but-curious or buggy member in line, with their raw SQL. It does not
//! protect against the server's operator or a superuser, who bypass all of it: that is why every
//! laptop still verifies every signature, the roster from its pinned genesis, and the chains.

pub(crate) mod listen;
mod migrations;
pub(crate) mod server;

#[cfg(test)]
pub(crate) use migrations::{MIGRATIONS, SCHEMA_VERSION, render, role_prefix};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_migration_records_its_own_version() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            let n = i + 1;
            let record = format!("INSERT INTO schema_version VALUES ({n}, '{n:04}_");
            assert!(m.contains(&record), "migration {n} does not record itself");
        }
        assert_eq!(SCHEMA_VERSION as usize, MIGRATIONS.len());
    }

    #[test]
    fn only_a_plain_tag_is_spliced_into_sql() {
        assert_eq!(role_prefix("ab12").as_deref(), Some("cs_ab12"));
        for bad in ["", "AB", "a;drop", "a b", "x\"y", "abcdefghijklmnopq"] {
            assert_eq!(role_prefix(bad), None, "{bad:?}");
            assert_eq!(render("${ws}_owner", bad), None);
        }
        let sql = render(MIGRATIONS[0], "t1").unwrap();
        assert!(!sql.contains("${ws}") && sql.contains("CREATE ROLE cs_t1_owner NOLOGIN"));
    }
}
