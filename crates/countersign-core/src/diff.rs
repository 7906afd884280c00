//! Word-level differences between two versions of a post, for reviewers.

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

use crate::model::Content;

/// One run of a word diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Span {
    pub change: Change,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Same,
    Added,
    Removed,
}

/// The diff of one part between two versions. A part that exists in only one version shows as
/// wholly added or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PartDiff {
    pub part: usize,
    pub spans: Vec<Span>,
    /// Media or alt text differ (shown as a note; media have no words to diff).
    pub media_changed: bool,
}

/// The diff of every part, `old` to `new`. `old` is `None` when the reviewer has seen no version.
pub fn diff(old: Option<&Content>, new: &Content) -> Vec<PartDiff> {
    let empty = Vec::new();
    let old_parts = old.map(|c| &c.parts).unwrap_or(&empty);
    let n = old_parts.len().max(new.parts.len());
    (0..n)
        .map(|i| {
            let before = old_parts.get(i);
            let after = new.parts.get(i);
            let a = before.map(|p| p.text.as_str()).unwrap_or("");
            let b = after.map(|p| p.text.as_str()).unwrap_or("");
            PartDiff {
                part: i + 1,
                spans: words(a, b),
                // A part that is new, or gone, changed its media only if it has some.
                media_changed: before.map_or(&[][..], |p| &p.media[..])
                    != after.map_or(&[][..], |p| &p.media[..]),
            }
        })
        .collect()
}

fn words(a: &str, b: &str) -> Vec<Span> {
    let mut spans: Vec<Span> = Vec::new();
    for change in TextDiff::from_words(a, b).iter_all_changes() {
        let kind = match change.tag() {
            ChangeTag::Equal => Change::Same,
            ChangeTag::Insert => Change::Added,
            ChangeTag::Delete => Change::Removed,
        };
        match spans.last_mut() {
            Some(last) if last.change == kind => last.text.push_str(change.value()),
            _ => spans.push(Span {
                change: kind,
                text: change.value().to_string(),
            }),
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::text_content as c;

    #[test]
    fn words_are_the_unit() {
        let d = diff(Some(&c(&["launch on Monday"])), &c(&["launch on Tuesday"]));
        let changed: Vec<_> = d[0]
            .spans
            .iter()
            .filter(|s| s.change != Change::Same)
            .map(|s| (s.change, s.text.as_str()))
            .collect();
        assert_eq!(
            changed,
            vec![(Change::Removed, "Monday"), (Change::Added, "Tuesday")]
        );
    }

    #[test]
    fn new_parts_show_as_added() {
        let d = diff(Some(&c(&["one"])), &c(&["one", "two"]));
        assert_eq!(d.len(), 2);
        assert_eq!(
            d[1].spans,
            vec![Span {
                change: Change::Added,
                text: "two".into()
            }]
        );
        let first_time = diff(None, &c(&["hi"]));
        assert_eq!(first_time[0].spans[0].change, Change::Added);
    }

    #[test]
    fn parts_without_media_never_show_media_changed() {
        let added = diff(Some(&c(&["one"])), &c(&["one", "two"]));
        assert!(added.iter().all(|d| !d.media_changed), "{added:?}");
        let removed = diff(Some(&c(&["one", "two"])), &c(&["one"]));
        assert!(removed.iter().all(|d| !d.media_changed), "{removed:?}");
        let first_time = diff(None, &c(&["hi", "there"]));
        assert!(
            first_time.iter().all(|d| !d.media_changed),
            "{first_time:?}"
        );
    }
}
