//! Damaged media files (issue 15): truncated files, headers that lie, huge dimensions, the
//! wrong magic for the name, random junk. Each is refused with a reason when it is checked (the
//! attach step, before anything is saved or sent), or accepted as what its bytes are. Never a
//! panic.
//!
//! The oracle: a file cut short is refused; a still image whose header claims a side of 0 or
//! over 8192 pixels, or an animated GIF over 1280x1080, is refused; what is accepted is sorted
//! by its magic bytes, not its name. 10,000 generated cases per run (`COUNTERSIGN_FUZZ_CASES`
//! for more); failing cases shrink and fail the test. A second test attaches damaged files to a
//! real workspace's draft: refused, no draft written, nothing kept in the media folder.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::sync::Arc;

use countersign_core::media;
use countersign_core::{DraftInput, ManualClock, MediaInput, PartInput, Role};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const REFUSALS: &[&str] = &[
    "media_unreadable",
    "media_unsupported",
    "media_too_large",
    "media_out_of_limits",
];

fn png() -> Vec<u8> {
    common::tiny_png()
}

/// A JPEG's segments: start, JFIF, a 2x3 frame header, a scan, end.
fn jpeg() -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8];
    b.extend_from_slice(&[0xFF, 0xE0, 0, 16]);
    b.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    b.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8, 0, 3, 0, 2, 1, 1, 0x11, 0]);
    b.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0]);
    b.extend_from_slice(&[0x12, 0x34, 0x56, 0x78]);
    b.extend_from_slice(&[0xFF, 0xD9]);
    b
}

/// A lossless WebP header for a 4x5 picture (the pixels are not decoded).
fn webp() -> Vec<u8> {
    let mut chunk = vec![0x2F];
    chunk.extend_from_slice(&(3u32 | (4 << 14)).to_le_bytes());
    chunk.extend_from_slice(&[0, 0, 0]);
    let mut b = b"RIFF".to_vec();
    b.extend_from_slice(&((4 + 8 + chunk.len()) as u32).to_le_bytes());
    b.extend_from_slice(b"WEBPVP8L");
    b.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
    b.extend_from_slice(&chunk);
    b
}

/// A GIF with `frames` 1x1 frames.
fn gif(frames: usize) -> Vec<u8> {
    let mut b = b"GIF89a".to_vec();
    b.extend_from_slice(&[1, 0, 1, 0, 0x80, 0, 0]);
    b.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
    for _ in 0..frames {
        b.extend_from_slice(&[0x21, 0xF9, 4, 0, 10, 0, 0, 0]);
        b.extend_from_slice(&[0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0]);
        b.extend_from_slice(&[2, 2, 0x4C, 0x01, 0]);
    }
    b.push(0x3B);
    b
}

/// A minimal MP4 whose movie header says it runs `ms` milliseconds.
fn mp4(ms: u32) -> Vec<u8> {
    let mut b = vec![0, 0, 0, 16];
    b.extend_from_slice(b"ftypisom\0\0\0\0");
    let mut mvhd = vec![0u8; 20];
    mvhd[12..16].copy_from_slice(&1000u32.to_be_bytes());
    mvhd[16..20].copy_from_slice(&ms.to_be_bytes());
    let mvhd_len = 8 + mvhd.len() as u32;
    b.extend_from_slice(&(8 + mvhd_len).to_be_bytes());
    b.extend_from_slice(b"moov");
    b.extend_from_slice(&mvhd_len.to_be_bytes());
    b.extend_from_slice(b"mvhd");
    b.extend_from_slice(&mvhd);
    b
}

/// Where a header keeps the width and height: offset, bytes per side, big-endian.
type Sides = Option<(usize, usize, bool)>;

/// The valid files damage starts from, with where each keeps its width and height.
fn originals() -> Vec<(&'static str, Vec<u8>, Sides)> {
    vec![
        ("png", png(), Some((16, 4, true))),
        ("jpg", jpeg(), Some((25, 2, true))),
        ("webp", webp(), None),
        ("gif", gif(1), Some((6, 2, false))),
        ("gif", gif(3), Some((6, 2, false))),
        ("mp4", mp4(5_000), None),
    ]
}

#[derive(Debug, Clone)]
enum Damage {
    /// Cut the file to this fraction (in 1/256) of its length.
    Truncate(u8),
    /// XOR a byte at this fraction of the file.
    Flip(u16, u8),
    /// Write a width and height into the header.
    Dimensions(u32, u32),
    /// Put another format's magic in front.
    Magic(usize),
    /// Replace the whole file with junk.
    Junk(Vec<u8>),
}

fn damage() -> impl Strategy<Value = Damage> {
    let side = prop_oneof![Just(0u32), 1u32..20_000, Just(u32::MAX), any::<u32>()];
    prop_oneof![
        3 => any::<u8>().prop_map(Damage::Truncate),
        3 => (any::<u16>(), 1u8..=255).prop_map(|(at, m)| Damage::Flip(at, m)),
        3 => (side.clone(), side).prop_map(|(w, h)| Damage::Dimensions(w, h)),
        1 => (0usize..6).prop_map(Damage::Magic),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(Damage::Junk),
    ]
}

const MAGICS: [&[u8]; 6] = [
    b"\x89PNG\r\n\x1a\n",
    &[0xFF, 0xD8, 0xFF],
    b"GIF89a",
    b"RIFF\0\0\0\0WEBP",
    b"\0\0\0\x10ftypisom",
    b"%PDF-1.7",
];

/// What must be refused: a cut, and a header claiming a size X does not take.
fn apply(
    original: &[u8],
    dims: Sides,
    animated: bool,
    d: &Damage,
) -> (Vec<u8>, Option<&'static str>) {
    let mut b = original.to_vec();
    let mut must_refuse = None;
    match d {
        Damage::Truncate(f) => {
            let to = b.len() * *f as usize / 256;
            b.truncate(to);
            must_refuse = Some("a file cut short");
        }
        Damage::Flip(at, mask) => {
            let at = b.len() * *at as usize / 65_536;
            b[at] ^= mask;
        }
        Damage::Dimensions(w, h) => {
            if let Some((at, n, big_endian)) = dims {
                let (w, h) = if n == 2 {
                    (w & 0xFFFF, h & 0xFFFF)
                } else {
                    (*w, *h)
                };
                let put = |b: &mut Vec<u8>, at: usize, v: u32| {
                    let bytes = if big_endian {
                        v.to_be_bytes()
                    } else {
                        v.to_le_bytes()
                    };
                    let bytes = if big_endian {
                        &bytes[4 - n..]
                    } else {
                        &bytes[..n]
                    };
                    b[at..at + n].copy_from_slice(bytes);
                };
                // A JPEG's frame header has the height first.
                let (first, second) = if n == 2 && big_endian { (h, w) } else { (w, h) };
                put(&mut b, at, first);
                put(&mut b, at + n, second);
                let still_too_big = !(1..=8192).contains(&w) || !(1..=8192).contains(&h);
                let gif_too_big = w > 1280 || h > 1080;
                if (dims.is_none_or(|d| d.2) && still_too_big) || (animated && gif_too_big) {
                    must_refuse = Some("a header claiming a size X does not take");
                }
            }
        }
        Damage::Magic(i) => {
            let mut m = MAGICS[*i].to_vec();
            m.extend_from_slice(&b);
            b = m;
        }
        Damage::Junk(j) => b = j.clone(),
    }
    (b, must_refuse)
}

fn cases() -> u32 {
    std::env::var("COUNTERSIGN_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

#[test]
fn damaged_media_is_refused_with_a_reason_or_read_as_what_it_is() {
    let originals = originals();
    // tmpfs where there is one: a file is written per case.
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm).unwrap()
    } else {
        tempfile::tempdir().unwrap()
    };
    for (ext, bytes, _) in &originals {
        let f = dir.path().join(format!("ok.{ext}"));
        std::fs::write(&f, bytes).unwrap();
        media::check(&f, &f).unwrap_or_else(|e| panic!("the valid {ext} is refused: {e}"));
    }
    let cases = cases();
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let refused = std::cell::Cell::new(0u32);
    let source = dir.path().join("staged.bin");
    let result = runner.run(
        &(0..originals.len(), damage(), 0..6usize),
        |(which, d, name)| {
            let (ext, original, dims) = &originals[which];
            let animated = *ext == "gif" && which == 4;
            let (bytes, must_refuse) = apply(original, *dims, animated, &d);
            std::fs::write(&source, &bytes).unwrap();
            // The name a person knows it by, whatever its bytes are.
            let shown = [
                "photo.png",
                "photo.jpg",
                "party.gif",
                "pic.webp",
                "clip.mp4",
                "x",
            ][name];
            match media::check(&source, Path::new(shown)) {
                Err(e) => {
                    refused.set(refused.get() + 1);
                    prop_assert!(REFUSALS.contains(&e.code()), "{}: {e}", e.code());
                    let message = e.to_string();
                    prop_assert!(
                        message.contains(shown),
                        "the refusal does not name the file: {message}"
                    );
                    prop_assert!(message.len() > shown.len() + 10, "no reason: {message}");
                }
                Ok(facts) => {
                    prop_assert!(
                        must_refuse.is_none(),
                        "{} accepted: {facts:?}",
                        must_refuse.unwrap_or_default()
                    );
                    prop_assert_eq!(facts.bytes, bytes.len() as u64);
                    let magic = MAGICS
                        .iter()
                        .position(|m| bytes.starts_with(&m[..3.min(m.len())]));
                    let mime = facts.mime.as_str();
                    let by_magic = match magic {
                        Some(0) => "image/png",
                        Some(1) => "image/jpeg",
                        Some(2) => "image/gif",
                        Some(3) => "image/webp",
                        _ => "video/mp4",
                    };
                    prop_assert_eq!(mime, by_magic, "sorted by something else than its bytes");
                }
            }
            Ok(())
        },
    );
    println!(
        "media damage: {cases} cases run, {} failures ({} refused with a reason)",
        u32::from(result.is_err()),
        refused.get()
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn a_damaged_attachment_is_refused_before_anything_is_written() {
    let clock = Arc::new(ManualClock::new("2026-12-07T09:00:00Z".parse().unwrap()));
    let t = common::team("UTC", clock, &[("Ann", Role::Contributor)]);
    let files = t.dir.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    let mut cut_png = png();
    cut_png.truncate(40);
    let mut huge_png = png();
    huge_png[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    let mut huge_gif = gif(3);
    huge_gif[6..8].copy_from_slice(&4000u16.to_le_bytes());
    let mut cut_jpeg = jpeg();
    cut_jpeg.truncate(jpeg().len() - 2);
    let mut cut_webp = webp();
    cut_webp.truncate(24);
    let damaged: [(&str, Vec<u8>, &str); 7] = [
        ("cut.png", cut_png, "media_unreadable"),
        ("huge.png", huge_png, "media_out_of_limits"),
        ("huge.gif", huge_gif, "media_out_of_limits"),
        ("cut.jpg", cut_jpeg, "media_unreadable"),
        ("cut.webp", cut_webp, "media_unreadable"),
        ("long.mp4", mp4(200_000), "media_out_of_limits"),
        (
            "notes.png",
            b"just some notes".to_vec(),
            "media_unsupported",
        ),
    ];
    for (name, bytes, code) in damaged {
        let path = files.join(name);
        std::fs::write(&path, &bytes).unwrap();
        let input = DraftInput {
            parts: vec![PartInput {
                text: "Our new menu".into(),
                media: vec![MediaInput::File {
                    path: path.clone(),
                    alt_text: "the menu".into(),
                }],
            }],
            ..Default::default()
        };
        let e = t.app.create_draft("Ann", input).unwrap_err();
        assert_eq!(e.code(), code, "{name}: {e}");
        assert!(e.to_string().contains(name), "{name}: {e}");
        assert!(
            t.app.posts(None).unwrap().is_empty(),
            "{name}: a draft was written"
        );
        let kept = std::fs::read_dir(t.app.media_dir())
            .map(|d| d.count())
            .unwrap_or(0);
        assert_eq!(kept, 0, "{name}: a copy was kept");
    }
}
