//! The server schema's migrations and the one substitution they need. std only, so the tests
//! include this very file (`#[path]`) and apply exactly what the backend will.

/// Numbered migrations, oldest first; migration *n* (1-based) ends by recording version *n* in
/// `cs.schema_version`. Each is rendered with [`render`] before it runs.
pub(crate) const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_team.sql"),
    include_str!("migrations/0002_replica.sql"),
    include_str!("migrations/0003_media.sql"),
    include_str!("migrations/0004_logins.sql"),
    include_str!("migrations/0005_inbox.sql"),
    include_str!("migrations/0006_pull_indexes.sql"),
];

/// The schema version this build's migrations reach.
pub(crate) const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// What the migrations call the workspace's role prefix; [`render`] replaces it.
const PREFIX_TOKEN: &str = "${ws}";

/// The role prefix for a workspace tag: `cs_<tag>`, where a tag is 1 to 16 of `[a-z0-9]`.
/// Checked here because it is spliced into SQL text; `None` for anything else.
pub(crate) fn role_prefix(tag: &str) -> Option<String> {
    let ok = (1..=16).contains(&tag.len())
        && tag
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    ok.then(|| format!("cs_{tag}"))
}

/// A migration's SQL for the workspace with this tag, or `None` if the tag is not one.
pub(crate) fn render(migration: &str, tag: &str) -> Option<String> {
    Some(migration.replace(PREFIX_TOKEN, &role_prefix(tag)?))
}
