//! Attaching media: recognising what a file is from its bytes, checking it against X's limits
//! before anything is saved, and keeping a copy in the workspace named by content hash.
//!
//! Checking on attach (not at publish time) is the point: a brand team learns that a video is
//! too long while writing, not when the post fails at 09:00.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::{Media, MediaKind};

/// X's limits (CONTRACT.md, "Media upload").
pub const MAX_IMAGE_BYTES: u64 = 5 * 1024 * 1024;
pub const MAX_GIF_BYTES: u64 = 15 * 1024 * 1024;
pub const MAX_VIDEO_BYTES: u64 = 512 * 1024 * 1024;
const MAX_GIF_WIDTH: u32 = 1280;
const MAX_GIF_HEIGHT: u32 = 1080;
const MAX_GIF_FRAMES: u32 = 350;
const MIN_VIDEO_MS: u64 = 500;
const MAX_VIDEO_MS: u64 = 140_000;

/// What the first bytes of a file say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Png,
    Jpeg,
    Gif,
    Webp,
    Mp4,
}

impl Format {
    fn sniff(head: &[u8]) -> Option<Format> {
        if head.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Format::Png)
        } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Format::Jpeg)
        } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
            Some(Format::Gif)
        } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
            Some(Format::Webp)
        } else if head.len() >= 8 && &head[4..8] == b"ftyp" {
            Some(Format::Mp4)
        } else {
            None
        }
    }

    fn mime(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
            Format::Gif => "image/gif",
            Format::Webp => "image/webp",
            Format::Mp4 => "video/mp4",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Png => "PNG",
            Format::Jpeg => "JPEG",
            Format::Gif => "GIF",
            Format::Webp => "WebP",
            Format::Mp4 => "MP4",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpg",
            Format::Gif => "gif",
            Format::Webp => "webp",
            Format::Mp4 => "mp4",
        }
    }
}

/// The file name a media file is kept under in the workspace's media folder.
pub fn stored_name(media: &Media) -> String {
    let ext = match media.mime.as_str() {
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        _ => "mp4",
    };
    format!("{}.{ext}", media.hash)
}

/// What a file is, as X sorts it, once it has passed X's limits ([`check`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MediaFacts {
    pub kind: MediaKind,
    pub mime: String,
    pub bytes: u64,
}

/// Checks `path` against X's limits and copies it into `media_dir` under its content hash.
/// Nothing is copied when a check fails.
pub fn ingest(path: &Path, media_dir: &Path) -> Result<Media> {
    let (format, kind, size) = inspect(path, path)?;
    let (hash, stored) = copy_hashed(path, media_dir, format.extension())?;
    let _ = stored;
    Ok(Media {
        hash,
        kind,
        mime: format.mime().to_string(),
        bytes: size,
        original_name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    })
}

/// Checks the file at `source` against X's limits, as [`ingest`] does, and keeps nothing. A
/// refusal names the file `path`: the name a person knows it by, when `source` is a copy (the
/// desktop app checks an attachment as soon as it is picked, in its staging folder).
pub fn check(source: &Path, path: &Path) -> Result<MediaFacts> {
    let (format, kind, bytes) = inspect(source, path)?;
    Ok(MediaFacts {
        kind,
        mime: format.mime().to_string(),
        bytes,
    })
}

/// What the file at `source` is and how large, if X takes it; refusals name it `path`.
fn inspect(source: &Path, path: &Path) -> Result<(Format, MediaKind, u64)> {
    let unreadable = |detail: String| Error::MediaUnreadable {
        path: path.to_path_buf(),
        detail,
    };
    let mut file = File::open(source).map_err(|e| unreadable(e.to_string()))?;
    let size = file
        .metadata()
        .map_err(|e| unreadable(e.to_string()))?
        .len();
    let mut head = [0u8; 16];
    let n = read_up_to(&mut file, &mut head).map_err(|e| unreadable(e.to_string()))?;
    let format = Format::sniff(&head[..n]).ok_or_else(|| Error::MediaUnsupported {
        path: path.to_path_buf(),
        detail: if n == 0 {
            "the file is empty".into()
        } else {
            "not an image or MP4 video".into()
        },
    })?;

    let kind = match format {
        Format::Gif => {
            if size > MAX_GIF_BYTES {
                return Err(too_large(path, size, MAX_GIF_BYTES, "GIFs"));
            }
            let mut bytes = Vec::with_capacity(size as usize);
            file.seek(SeekFrom::Start(0))
                .map_err(|e| unreadable(e.to_string()))?;
            file.read_to_end(&mut bytes)
                .map_err(|e| unreadable(e.to_string()))?;
            let gif =
                inspect_gif(&bytes).ok_or_else(|| unreadable("it is not a valid GIF".into()))?;
            if gif.frames > 1 {
                if gif.width > MAX_GIF_WIDTH || gif.height > MAX_GIF_HEIGHT {
                    return Err(out_of_limits(
                        path,
                        "animated GIFs",
                        format!(
                            "{}x{} pixels (at most {MAX_GIF_WIDTH}x{MAX_GIF_HEIGHT})",
                            gif.width, gif.height
                        ),
                    ));
                }
                if gif.frames > MAX_GIF_FRAMES {
                    return Err(out_of_limits(
                        path,
                        "animated GIFs",
                        format!("{} frames (at most {MAX_GIF_FRAMES})", gif.frames),
                    ));
                }
                MediaKind::Gif
            } else {
                MediaKind::Image
            }
        }
        Format::Mp4 => {
            if size > MAX_VIDEO_BYTES {
                return Err(too_large(path, size, MAX_VIDEO_BYTES, "videos"));
            }
            let ms = mp4_duration_ms(&mut file, size)
                .ok_or_else(|| unreadable("it is not a readable MP4 (no movie header)".into()))?;
            if !(MIN_VIDEO_MS..=MAX_VIDEO_MS).contains(&ms) {
                return Err(out_of_limits(
                    path,
                    "videos",
                    format!("it runs {:.1} s (X takes 0.5 to 140 s)", ms as f64 / 1000.0),
                ));
            }
            MediaKind::Video
        }
        _ => MediaKind::Image,
    };
    if kind == MediaKind::Image && size > MAX_IMAGE_BYTES {
        return Err(too_large(path, size, MAX_IMAGE_BYTES, "images"));
    }
    if matches!(format, Format::Png | Format::Jpeg | Format::Webp) {
        // A still image is read whole (at most 5 MB by now): a cut-off file or a header that
        // lies is told here, while writing, not by X at publish time.
        let mut bytes = Vec::with_capacity(size as usize);
        file.seek(SeekFrom::Start(0))
            .map_err(|e| unreadable(e.to_string()))?;
        file.read_to_end(&mut bytes)
            .map_err(|e| unreadable(e.to_string()))?;
        let (width, height) = match format {
            Format::Png => png_size(&bytes),
            Format::Jpeg => jpeg_size(&bytes),
            _ => webp_size(&bytes),
        }
        .map_err(|why| unreadable(format!("it is not a valid {}: {why}", format.name())))?;
        if width == 0 || height == 0 || width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE {
            return Err(out_of_limits(
                path,
                "images",
                format!("{width}x{height} pixels (each side 1 to {MAX_IMAGE_SIDE})"),
            ));
        }
    }
    Ok((format, kind, size))
}

/// The widest and tallest still image taken: X's largest, and a guard against a header that
/// claims a picture no one could decode.
const MAX_IMAGE_SIDE: u32 = 8192;

/// A PNG's size from its `IHDR`; the file must end with its `IEND` chunk (else it was cut
/// off).
fn png_size(b: &[u8]) -> std::result::Result<(u32, u32), &'static str> {
    if b.get(8..16) != Some(&[0, 0, 0, 13, b'I', b'H', b'D', b'R'][..]) {
        return Err("its header chunk is missing");
    }
    let width = be32(b, 16).ok_or("its header chunk is cut off")?;
    let height = be32(b, 20).ok_or("its header chunk is cut off")?;
    // Walk the chunks to the end: each is length, type, data, CRC.
    let mut at = 8usize;
    loop {
        let len = be32(b, at).ok_or("it is cut off")? as usize;
        let kind = b.get(at + 4..at + 8).ok_or("it is cut off")?;
        let end = at
            .checked_add(12)
            .and_then(|e| e.checked_add(len))
            .filter(|&e| e <= b.len())
            .ok_or("it is cut off")?;
        if kind == b"IEND" {
            return Ok((width, height));
        }
        at = end;
    }
}

/// A JPEG's size from its first start-of-frame marker, found by walking the segments; the
/// image data must follow (a start-of-scan).
fn jpeg_size(b: &[u8]) -> std::result::Result<(u32, u32), &'static str> {
    let mut at = 2usize;
    let mut size = None;
    loop {
        if *b.get(at).ok_or("it is cut off")? != 0xFF {
            return Err("its segments are damaged");
        }
        let marker = *b.get(at + 1).ok_or("it is cut off")?;
        if marker == 0xFF {
            at += 1;
            continue;
        }
        let len = be16(b, at + 2).ok_or("it is cut off")? as usize;
        if len < 2 {
            return Err("its segments are damaged");
        }
        let is_sof = (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let height = be16(b, at + 5).ok_or("it is cut off")?;
            let width = be16(b, at + 7).ok_or("it is cut off")?;
            size.get_or_insert((width, height));
        }
        if marker == 0xDA {
            let size = size.ok_or("it has no frame header")?;
            // The image data runs to the end-of-image marker; without one it was cut off.
            let data = b.get(at + 2 + len..).ok_or("it is cut off")?;
            if !data.windows(2).any(|w| w == [0xFF, 0xD9]) {
                return Err("it is cut off");
            }
            return Ok(size);
        }
        at += 2 + len;
    }
}

/// A WebP's size from its first chunk (`VP8 `, `VP8L` or `VP8X`); the RIFF length must match
/// the file (else it was cut off).
fn webp_size(b: &[u8]) -> std::result::Result<(u32, u32), &'static str> {
    let riff = le32(b, 4).ok_or("it is cut off")? as u64;
    if riff + 8 > b.len() as u64 {
        return Err("it is cut off");
    }
    let chunk = b.get(12..16).ok_or("it is cut off")?;
    let data = 20;
    let cut = "it is cut off";
    match chunk {
        b"VP8 " => {
            if b.get(data + 3..data + 6) != Some(&[0x9D, 0x01, 0x2A][..]) {
                return Err("its image header is damaged");
            }
            let w = le16(b, data + 6).ok_or(cut)? & 0x3FFF;
            let h = le16(b, data + 8).ok_or(cut)? & 0x3FFF;
            Ok((w, h))
        }
        b"VP8L" => {
            if *b.get(data).ok_or(cut)? != 0x2F {
                return Err("its image header is damaged");
            }
            let bits = le32(b, data + 1).ok_or(cut)?;
            Ok(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8X" => {
            let w = le24(b, data + 4).ok_or(cut)? + 1;
            let h = le24(b, data + 7).ok_or(cut)? + 1;
            Ok((w, h))
        }
        _ => Err("it has no image chunk"),
    }
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_be_bytes(
        b.get(at..at + 2)?.try_into().ok()?,
    )))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le24(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 3)?;
    Some(u32::from(s[0]) | u32::from(s[1]) << 8 | u32::from(s[2]) << 16)
}

fn le16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_le_bytes(
        b.get(at..at + 2)?.try_into().ok()?,
    )))
}

fn too_large(path: &Path, size: u64, limit: u64, kind: &'static str) -> Error {
    Error::MediaTooLarge {
        path: path.to_path_buf(),
        size,
        limit,
        kind,
    }
}

fn out_of_limits(path: &Path, kind: &'static str, detail: String) -> Error {
    Error::MediaOutOfLimits {
        path: path.to_path_buf(),
        kind,
        detail,
    }
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Streams the file into the media folder while hashing it, then renames it to its hash, so a
/// half-written copy never carries a real name.
fn copy_hashed(path: &Path, media_dir: &Path, ext: &str) -> Result<(String, PathBuf)> {
    std::fs::create_dir_all(media_dir)
        .map_err(|e| Error::io(format!("cannot create {}", media_dir.display()), e))?;
    let mut src = BufReader::new(File::open(path).map_err(|e| Error::MediaUnreadable {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })?);
    let tmp = media_dir.join(format!(".incoming-{}", uuid::Uuid::now_v7()));
    let write_err = |e| Error::io(format!("cannot write {}", tmp.display()), e);
    let mut dst = File::create(&tmp).map_err(write_err)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let k = src.read(&mut buf).map_err(|e| Error::MediaUnreadable {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
        if k == 0 {
            break;
        }
        hasher.update(&buf[..k]);
        dst.write_all(&buf[..k]).map_err(write_err)?;
    }
    dst.sync_all().map_err(write_err)?;
    drop(dst);
    let hash = hex::encode(hasher.finalize());
    let dest = media_dir.join(format!("{hash}.{ext}"));
    if dest.exists() {
        let _ = std::fs::remove_file(&tmp);
    } else {
        std::fs::rename(&tmp, &dest)
            .map_err(|e| Error::io(format!("cannot store {}", dest.display()), e))?;
    }
    Ok((hash, dest))
}

struct GifInfo {
    width: u32,
    height: u32,
    frames: u32,
}

/// Walks a GIF's block structure to count its frames. `None` when the structure is broken.
fn inspect_gif(b: &[u8]) -> Option<GifInfo> {
    let width = u16::from_le_bytes([*b.get(6)?, *b.get(7)?]) as u32;
    let height = u16::from_le_bytes([*b.get(8)?, *b.get(9)?]) as u32;
    let flags = *b.get(10)?;
    let mut i = 13usize;
    if flags & 0x80 != 0 {
        i += 3 * (1usize << ((flags & 0x07) + 1));
    }
    let skip_sub_blocks = |mut i: usize| -> Option<usize> {
        loop {
            let len = *b.get(i)? as usize;
            i += 1;
            if len == 0 {
                return Some(i);
            }
            i += len;
        }
    };
    let mut frames = 0;
    loop {
        match *b.get(i)? {
            0x3B => break,
            0x21 => i = skip_sub_blocks(i + 2)?,
            0x2C => {
                frames += 1;
                let local = *b.get(i + 9)?;
                i += 10;
                if local & 0x80 != 0 {
                    i += 3 * (1usize << ((local & 0x07) + 1));
                }
                i = skip_sub_blocks(i + 1)?;
            }
            _ => return None,
        }
    }
    (frames > 0).then_some(GifInfo {
        width,
        height,
        frames,
    })
}

/// Finds `moov/mvhd` and returns the movie's duration in milliseconds.
fn mp4_duration_ms(file: &mut File, size: u64) -> Option<u64> {
    let moov = find_box(file, 0, size, b"moov")?;
    let (mvhd_start, _) = find_box(file, moov.0, moov.1, b"mvhd")?;
    file.seek(SeekFrom::Start(mvhd_start)).ok()?;
    let mut vf = [0u8; 4];
    file.read_exact(&mut vf).ok()?;
    let (timescale, duration) = if vf[0] == 1 {
        let mut b = [0u8; 28];
        file.read_exact(&mut b).ok()?;
        (
            u32::from_be_bytes(b[16..20].try_into().ok()?) as u64,
            u64::from_be_bytes(b[20..28].try_into().ok()?),
        )
    } else {
        let mut b = [0u8; 16];
        file.read_exact(&mut b).ok()?;
        (
            u32::from_be_bytes(b[8..12].try_into().ok()?) as u64,
            u32::from_be_bytes(b[12..16].try_into().ok()?) as u64,
        )
    };
    if timescale == 0 {
        return None;
    }
    Some(duration.saturating_mul(1000) / timescale)
}

/// Returns the (payload start, payload end) of the first box of type `want` in `[start, end)`.
fn find_box(file: &mut File, start: u64, end: u64, want: &[u8; 4]) -> Option<(u64, u64)> {
    let mut pos = start;
    while pos + 8 <= end {
        file.seek(SeekFrom::Start(pos)).ok()?;
        let mut h = [0u8; 8];
        file.read_exact(&mut h).ok()?;
        let mut len = u32::from_be_bytes(h[..4].try_into().ok()?) as u64;
        let mut header = 8;
        if len == 1 {
            let mut l = [0u8; 8];
            file.read_exact(&mut l).ok()?;
            len = u64::from_be_bytes(l);
            header = 16;
        } else if len == 0 {
            len = end - pos;
        }
        if len < header || pos.checked_add(len)? > end {
            return None;
        }
        if &h[4..8] == want {
            return Some((pos + header, pos + len));
        }
        pos += len;
    }
    None
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A real 1x1 PNG.
    pub(crate) const PNG_1X1: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F,
        0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00,
        0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49,
        0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ];

    /// A GIF with `frames` 1x1 frames.
    pub(crate) fn gif(frames: usize) -> Vec<u8> {
        let mut b = b"GIF89a".to_vec();
        b.extend_from_slice(&[1, 0, 1, 0, 0x80, 0, 0]); // 1x1, global table of 2 colours
        b.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
        for _ in 0..frames {
            b.extend_from_slice(&[0x21, 0xF9, 4, 0, 10, 0, 0, 0]); // graphic control
            b.extend_from_slice(&[0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0]); // image descriptor
            b.extend_from_slice(&[2, 2, 0x4C, 0x01, 0]); // LZW data
        }
        b.push(0x3B);
        b
    }

    /// A minimal MP4 whose movie header says it runs `ms` milliseconds.
    pub(crate) fn mp4(ms: u32) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&[0, 0, 0, 16]);
        b.extend_from_slice(b"ftypisom\0\0\0\0");
        let mut mvhd = vec![0u8; 4 + 4 + 4 + 4 + 4]; // version/flags, created, modified, timescale, duration
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

    fn ingest_bytes(bytes: &[u8], name: &str) -> (tempfile::TempDir, Result<Media>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let r = ingest(&path, &dir.path().join("media"));
        (dir, r)
    }

    #[test]
    fn images_are_kept_under_their_hash() {
        let (dir, m) = ingest_bytes(PNG_1X1, "logo.png");
        let m = m.unwrap();
        assert_eq!(m.kind, MediaKind::Image);
        assert_eq!(m.mime, "image/png");
        assert_eq!(m.original_name, "logo.png");
        let kept = dir.path().join("media").join(stored_name(&m));
        assert_eq!(std::fs::read(kept).unwrap(), PNG_1X1);
    }

    #[test]
    fn gifs_are_sorted_by_frames() {
        assert_eq!(
            ingest_bytes(&gif(1), "still.gif").1.unwrap().kind,
            MediaKind::Image
        );
        assert_eq!(
            ingest_bytes(&gif(3), "anim.gif").1.unwrap().kind,
            MediaKind::Gif
        );
        let mut broken = gif(3);
        broken.truncate(30);
        assert_eq!(
            ingest_bytes(&broken, "broken.gif").1.unwrap_err().code(),
            "media_unreadable"
        );
    }

    #[test]
    fn videos_are_checked_for_duration() {
        assert_eq!(
            ingest_bytes(&mp4(5_000), "clip.mp4").1.unwrap().kind,
            MediaKind::Video
        );
        assert_eq!(
            ingest_bytes(&mp4(200_000), "long.mp4")
                .1
                .unwrap_err()
                .code(),
            "media_out_of_limits"
        );
        assert_eq!(
            ingest_bytes(&mp4(100), "blip.mp4").1.unwrap_err().code(),
            "media_out_of_limits"
        );
    }

    #[test]
    fn a_check_keeps_nothing_and_names_the_file_as_the_person_knows_it() {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("0190-staged.bin");
        std::fs::write(&copy, gif(3)).unwrap();
        let facts = check(&copy, Path::new("party.gif")).unwrap();
        assert_eq!(
            facts,
            MediaFacts {
                kind: MediaKind::Gif,
                mime: "image/gif".into(),
                bytes: gif(3).len() as u64,
            }
        );
        std::fs::write(&copy, b"%PDF-1.7").unwrap();
        let e = check(&copy, Path::new("brief.pdf")).unwrap_err();
        assert_eq!(e.code(), "media_unsupported");
        assert!(e.to_string().starts_with("brief.pdf "), "{e}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn other_files_are_refused_and_nothing_is_kept() {
        let (dir, r) = ingest_bytes(b"%PDF-1.7 not an image", "brief.pdf");
        assert_eq!(r.unwrap_err().code(), "media_unsupported");
        assert!(!dir.path().join("media").exists());
        let (_d, r) = ingest_bytes(b"", "empty.png");
        assert_eq!(r.unwrap_err().code(), "media_unsupported");
        let mut big = PNG_1X1.to_vec();
        big.resize(MAX_IMAGE_BYTES as usize + 1, 0);
        assert_eq!(
            ingest_bytes(&big, "big.png").1.unwrap_err().code(),
            "media_too_large"
        );
    }
}
