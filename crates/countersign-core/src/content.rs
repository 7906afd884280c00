//! What exactly gets published, whether X would accept it, and the digest an approval binds.
//!
//! The digest is the heart of "nothing posts without a valid approval of exactly that content
//! and time": it covers every byte that reaches X (each part's NFC text, signature included),
//! the media by content hash with their alt text, the reply settings, the account and the
//! scheduled instant. Change any of those and the digest changes, so an old approval no longer
//! matches.

use jiff::Timestamp;
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use crate::count::{self, Count, CountConfig, Invalid};
use crate::error::{Error, Result};
use crate::model::{Content, MediaKind, Part};

/// A thread has at most this many parts.
pub const MAX_PARTS: usize = 25;

/// The shape limits a screen shows while a person writes (core still checks every act).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ContentLimits {
    /// Parts in a thread.
    pub max_parts: u32,
    /// Characters of alt text per attachment.
    pub max_alt_text: u32,
}

/// [`ContentLimits`] as this build enforces them.
pub const LIMITS: ContentLimits = ContentLimits {
    max_parts: MAX_PARTS as u32,
    max_alt_text: MAX_ALT_TEXT as u32,
};
/// X's limit on alt text, in characters.
pub const MAX_ALT_TEXT: usize = 1000;

/// The text X receives for a part: NFC, with the author's initials when signed.
pub fn published_text(part: &Part, signature: Option<&str>) -> String {
    let mut text: String = part.text.nfc().collect();
    if let Some(initials) = signature {
        text.push_str(" ^");
        text.push_str(initials);
    }
    text
}

/// The counts X would compute for each part as published.
pub fn counts(content: &Content, initials: &str, config: &CountConfig) -> Vec<Count> {
    let signature = content.signature.then_some(initials);
    content
        .parts
        .iter()
        .map(|part| count::count(&published_text(part, signature), config))
        .collect()
}

/// Checks the shape of a post that does not depend on X's counting: part count, media mix,
/// alt text. Drafts must pass this to be saved.
pub fn check_shape(content: &Content) -> Result<()> {
    if content.parts.is_empty() {
        return Err(Error::NoParts);
    }
    if content.parts.len() > MAX_PARTS {
        return Err(Error::TooManyParts {
            count: content.parts.len(),
        });
    }
    if matches!(content.reply, Some(crate::model::ReplyTarget::Dm { .. }))
        && (content.parts.len() > 1 || content.parts.iter().any(|p| !p.media.is_empty()))
    {
        return Err(Error::AnswerShape {
            detail: "an answer by direct message is one part of text, without media".into(),
        });
    }
    for (i, part) in content.parts.iter().enumerate() {
        check_media_mix(i + 1, part)?;
        for a in &part.media {
            let len = a.alt_text.chars().count();
            if len > MAX_ALT_TEXT {
                return Err(Error::AltTextTooLong { len });
            }
        }
    }
    Ok(())
}

fn check_media_mix(part_no: usize, part: &Part) -> Result<()> {
    let kinds: Vec<MediaKind> = part.media.iter().map(|a| a.media.kind).collect();
    check_media_kinds(part_no, &kinds)
}

/// Whether part `part_no` may carry media of these kinds: up to 4 images, or 1 GIF, or 1
/// video. Saving checks each part so; the Compose screen asks before it attaches a file.
pub fn check_media_kinds(part_no: usize, kinds: &[MediaKind]) -> Result<()> {
    let n = |k| kinds.iter().filter(|&&kind| kind == k).count();
    let (images, gifs, videos) = (n(MediaKind::Image), n(MediaKind::Gif), n(MediaKind::Video));
    let detail = if images > 4 {
        Some(format!("{images} images"))
    } else if gifs + videos > 1 || (gifs + videos == 1 && images > 0) {
        Some(format!(
            "{images} image(s), {gifs} GIF(s) and {videos} video(s)"
        ))
    } else {
        None
    };
    match detail {
        Some(detail) => Err(Error::MediaMix {
            part: part_no,
            detail,
        }),
        None => Ok(()),
    }
}

/// Checks that X would accept every part: not empty, not too long, no refused characters.
/// Submitting, approving and publishing all require this; saving a draft does not, so an
/// over-long draft is kept rather than lost.
pub fn check_publishable(content: &Content, initials: &str, config: &CountConfig) -> Result<()> {
    check_shape(content)?;
    for (i, (part, c)) in content
        .parts
        .iter()
        .zip(counts(content, initials, config))
        .enumerate()
    {
        let part_no = i + 1;
        if part.text.trim().is_empty() {
            return Err(Error::EmptyPart { part: part_no });
        }
        match c.invalid {
            None => {}
            Some(Invalid::Empty) => return Err(Error::EmptyPart { part: part_no }),
            Some(Invalid::TooLong) => {
                return Err(Error::TooLong {
                    part: part_no,
                    weighted: c.weighted_length,
                    limit: config.max_weighted_length(),
                });
            }
            Some(Invalid::InvalidCharacter) => {
                return Err(Error::InvalidCharacter { part: part_no });
            }
        }
    }
    Ok(())
}

/// SHA-256, hex, over the canonical encoding of everything an approval vouches for.
///
/// The encoding is length-prefixed field by field, so no two different contents can encode to
/// the same bytes. Its first field names the encoding version: if it ever changes, old
/// approvals stay verifiable under the old version.
pub fn digest(
    account_handle: &str,
    content: &Content,
    initials: &str,
    scheduled_at: Option<Timestamp>,
) -> String {
    let mut enc = Encoder::default();
    enc.field("countersign/content/v1");
    enc.field(&account_handle.to_ascii_lowercase());
    enc.field(content.reply_settings.as_str());
    enc.field(&content.parts.len().to_string());
    let signature = content.signature.then_some(initials);
    for part in &content.parts {
        enc.field(&published_text(part, signature));
        enc.field(&part.media.len().to_string());
        for a in &part.media {
            enc.field(&a.media.hash);
            enc.field(a.media.kind.as_str());
            enc.field(&a.alt_text.nfc().collect::<String>());
        }
    }
    // Only answers carry this field, so every approval made before answers existed keeps its
    // digest; the field cannot be mistaken for the time that follows ("post:…"/"dm:…" vs
    // digits or "-").
    if let Some(target) = &content.reply {
        enc.field(&target.encode());
    }
    match scheduled_at {
        Some(at) => enc.field(&at.as_millisecond().to_string()),
        None => enc.field("-"),
    }
    hex::encode(enc.hasher.finalize())
}

#[derive(Default)]
struct Encoder {
    hasher: Sha256,
}

impl Encoder {
    fn field(&mut self, value: &str) {
        self.hasher.update((value.len() as u64).to_be_bytes());
        self.hasher.update(value.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ReplySettings;
    use crate::model::text_content as content;

    #[test]
    fn digest_changes_with_every_bound_field() {
        let base = content(&["hello", "world"]);
        let d = digest("brand", &base, "JS", None);
        assert_eq!(d.len(), 64);
        assert_eq!(
            d,
            digest("Brand", &base, "JS", None),
            "handles compare case-insensitively"
        );
        assert_ne!(d, digest("other", &base, "JS", None));
        assert_ne!(
            d,
            digest("brand", &content(&["hello", "world!"]), "JS", None)
        );
        assert_ne!(
            d,
            digest("brand", &content(&["world", "hello"]), "JS", None)
        );
        assert_ne!(d, digest("brand", &content(&["helloworld"]), "JS", None));
        let mut signed = base.clone();
        signed.signature = true;
        assert_ne!(d, digest("brand", &signed, "JS", None));
        let mut replies = base.clone();
        replies.reply_settings = ReplySettings::Following;
        assert_ne!(d, digest("brand", &replies, "JS", None));
        let at: Timestamp = "2030-01-01T09:00:00Z".parse().unwrap();
        assert_ne!(d, digest("brand", &base, "JS", Some(at)));
        let mut answer = base.clone();
        answer.reply = Some(crate::model::ReplyTarget::Post { x_id: "12".into() });
        let a = digest("brand", &answer, "JS", None);
        assert_ne!(d, a);
        answer.reply = Some(crate::model::ReplyTarget::Post { x_id: "13".into() });
        assert_ne!(a, digest("brand", &answer, "JS", None));
        answer.reply = Some(crate::model::ReplyTarget::Dm {
            participant_id: "12".into(),
        });
        assert_ne!(a, digest("brand", &answer, "JS", None));
    }

    #[test]
    fn digest_is_over_nfc_text() {
        // "é" precomposed vs "e" + combining acute: X sees the same post.
        let a = content(&["caf\u{e9}"]);
        let b = content(&["cafe\u{301}"]);
        assert_eq!(digest("b", &a, "JS", None), digest("b", &b, "JS", None));
    }

    #[test]
    fn signature_is_counted() {
        let mut c = content(&[&"a".repeat(277)]);
        let cfg = CountConfig::v3();
        assert!(check_publishable(&c, "JS", &cfg).is_ok());
        c.signature = true; // " ^JS" adds 4
        let err = check_publishable(&c, "JS", &cfg).unwrap_err();
        assert_eq!(err.code(), "too_long");
    }

    #[test]
    fn empty_and_oversized_threads_are_refused() {
        assert_eq!(check_shape(&content(&[])).unwrap_err().code(), "no_parts");
        let many: Vec<&str> = vec!["x"; 26];
        assert_eq!(
            check_shape(&content(&many)).unwrap_err().code(),
            "too_many_parts"
        );
        let err = check_publishable(&content(&["ok", "  "]), "JS", &CountConfig::v3()).unwrap_err();
        assert!(matches!(err, Error::EmptyPart { part: 2 }));
    }

    #[test]
    fn a_part_carries_four_images_or_one_gif_or_one_video() {
        use MediaKind::{Gif, Image, Video};
        for fits in [&[][..], &[Image; 4], &[Gif], &[Video]] {
            assert!(check_media_kinds(1, fits).is_ok(), "{fits:?}");
        }
        for mix in [
            &[Image; 5][..],
            &[Image, Gif],
            &[Video, Video],
            &[Gif, Video],
        ] {
            let e = check_media_kinds(2, mix).unwrap_err();
            assert!(matches!(e, Error::MediaMix { part: 2, .. }), "{mix:?}: {e}");
        }
    }
}
