//! What the crash tests share: what a person sees when posts wait for them (each post in
//! `needs_check`, `failed` or `missed`, with the reason it must give, and which of its parts
//! the sandbox shows; each test decides in its own way), and the exactly-once check on the
//! sandbox's own record.

use std::collections::HashMap;

use countersign_core::{App, Status};
use uuid::Uuid;
use x_sandbox::{SandboxPost, SandboxThread};

/// A post waiting for a person.
pub struct Waiting {
    pub id: Uuid,
    pub status: Status,
    /// Why it waits, as the post says (never empty).
    pub reason: String,
    /// Each part of `plan` as the sandbox holds it, if it does.
    pub on_x: Vec<Option<SandboxPost>>,
}

impl Waiting {
    /// Every part is on the sandbox.
    pub fn whole_on_x(&self) -> bool {
        self.on_x.iter().all(Option::is_some)
    }

    /// The link a person marks it posted with: its first part on the sandbox.
    pub fn url(&self) -> Option<String> {
        let first = self.on_x.first()?.as_ref()?;
        Some(format!("https://x.com/sandbox_brand/status/{}", first.id))
    }
}

/// The posts waiting on `app`, each checked to say why. `plan` holds each post's part texts.
pub fn waiting(
    app: &App,
    sandbox: &SandboxThread,
    plan: &HashMap<Uuid, Vec<String>>,
) -> Vec<Waiting> {
    let posts: Vec<_> = app
        .posts(None)
        .unwrap()
        .into_iter()
        .filter(|p| {
            matches!(
                p.status,
                Status::NeedsCheck | Status::Failed | Status::Missed
            )
        })
        .collect();
    if posts.is_empty() {
        return Vec::new();
    }
    let on_x = sandbox.posts();
    posts
        .into_iter()
        .map(|p| {
            let reason = app
                .post(p.id)
                .unwrap()
                .post
                .status_reason
                .unwrap_or_default();
            assert!(
                !reason.trim().is_empty(),
                "a post in {} must say why",
                p.status
            );
            Waiting {
                id: p.id,
                status: p.status,
                reason,
                on_x: plan[&p.id]
                    .iter()
                    .map(|t| on_x.iter().find(|s| &s.text == t).cloned())
                    .collect(),
            }
        })
        .collect()
}

/// The sandbox holds every planned part exactly once, nothing deleted, each thread in order.
/// Returns each post's parts as the sandbox holds them, in `plan`'s order.
pub fn exactly_once<'a>(
    on_x: &'a [SandboxPost],
    plan: impl IntoIterator<Item = &'a [String]>,
) -> Vec<Vec<&'a SandboxPost>> {
    assert!(on_x.iter().all(|p| !p.deleted), "nothing was deleted");
    let mut by_text: HashMap<&str, Vec<&SandboxPost>> = HashMap::new();
    for p in on_x {
        by_text.entry(p.text.as_str()).or_default().push(p);
    }
    let twice: Vec<_> = by_text.iter().filter(|(_, v)| v.len() > 1).collect();
    assert!(twice.is_empty(), "posted more than once: {twice:?}");
    let mut expected = 0;
    let mut out = Vec::new();
    for parts in plan {
        expected += parts.len();
        let found: Vec<&SandboxPost> = parts
            .iter()
            .map(|t| {
                by_text
                    .get(t.as_str())
                    .unwrap_or_else(|| panic!("lost: {t:?} is not on the sandbox"))[0]
            })
            .collect();
        assert_eq!(
            found[0].reply_to, None,
            "{:?} starts its own post",
            parts[0]
        );
        for pair in found.windows(2) {
            assert_eq!(
                pair[1].reply_to.as_deref(),
                Some(pair[0].id.as_str()),
                "{:?} replies to the part before it",
                pair[1].text
            );
        }
        out.push(found);
    }
    assert_eq!(on_x.len(), expected, "the sandbox holds exactly the parts");
    out
}
