//! What an upload really is, from its bytes: the format by its magic number, and the header
//! facts X's limits are about (GIF size and frames, video duration). Nothing here trusts the
//! declared MIME type; everything is bounds-checked, so bad bytes give `None`, never a panic.

/// What the first bytes of a file say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Sniffed {
    pub mime: &'static str,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// GIF frames, counted only when the whole file is at hand.
    pub frames: Option<u32>,
    /// MP4 duration from the `mvhd` box, when it is within the bytes at hand.
    pub duration_ms: Option<u64>,
}

/// Sniffs `head` (the start of a file; `complete` when it is the whole file).
pub(crate) fn sniff(head: &[u8], complete: bool) -> Option<Sniffed> {
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Sniffed {
            mime: "image/png",
            width: be32(head, 16),
            height: be32(head, 20),
            ..Default::default()
        })
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        let (width, height) = jpeg_size(head).unzip();
        Some(Sniffed {
            mime: "image/jpeg",
            width,
            height,
            ..Default::default()
        })
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        Some(Sniffed {
            mime: "image/gif",
            width: le16(head, 6),
            height: le16(head, 8),
            frames: if complete { gif_frames(head) } else { None },
            ..Default::default()
        })
    } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        Some(Sniffed {
            mime: "image/webp",
            ..Default::default()
        })
    } else if head.len() >= 8 && &head[4..8] == b"ftyp" {
        let quicktime = head.get(8..12) == Some(b"qt  ");
        Some(Sniffed {
            mime: if quicktime {
                "video/quicktime"
            } else {
                "video/mp4"
            },
            duration_ms: mp4_duration_ms(head),
            ..Default::default()
        })
    } else {
        None
    }
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

fn be16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_be_bytes(
        b.get(at..at + 2)?.try_into().ok()?,
    )))
}

fn le16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_le_bytes(
        b.get(at..at + 2)?.try_into().ok()?,
    )))
}

/// Width and height from the first start-of-frame marker.
fn jpeg_size(b: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        if *b.get(at)? != 0xFF {
            return None;
        }
        let marker = *b.get(at + 1)?;
        if marker == 0xFF {
            at += 1;
            continue;
        }
        let len = usize::try_from(be16(b, at + 2)?).ok()?;
        let is_sof = (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            return Some((be16(b, at + 7)?, be16(b, at + 5)?));
        }
        at += 2 + len;
    }
}

/// Number of images in a complete GIF.
fn gif_frames(b: &[u8]) -> Option<u32> {
    let flags = *b.get(10)?;
    let mut at = 13;
    if flags & 0x80 != 0 {
        at += 3 << ((flags & 0x07) + 1);
    }
    let mut frames = 0;
    loop {
        match *b.get(at)? {
            0x3B => return Some(frames),
            0x21 => at = skip_sub_blocks(b, at + 2)?,
            0x2C => {
                let local = *b.get(at + 9)?;
                at += 10;
                if local & 0x80 != 0 {
                    at += 3 << ((local & 0x07) + 1);
                }
                at = skip_sub_blocks(b, at + 1)?;
                frames += 1;
            }
            _ => return None,
        }
    }
}

fn skip_sub_blocks(b: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let size = usize::from(*b.get(at)?);
        at += 1;
        if size == 0 {
            return Some(at);
        }
        at += size;
    }
}

/// The movie duration from `moov/mvhd`, if both boxes are within `b`.
fn mp4_duration_ms(b: &[u8]) -> Option<u64> {
    let moov = find_box(b, b"moov")?;
    let mvhd = find_box(moov, b"mvhd")?;
    let version = *mvhd.first()?;
    let (timescale, duration) = if version == 1 {
        (u64::from(be32(mvhd, 20)?), be64(mvhd, 24)?)
    } else {
        (u64::from(be32(mvhd, 12)?), u64::from(be32(mvhd, 16)?))
    };
    if timescale == 0 {
        return None;
    }
    Some(duration.saturating_mul(1000) / timescale)
}

/// The payload of the first box named `name` among the boxes that make up `b`.
fn find_box<'a>(b: &'a [u8], name: &[u8; 4]) -> Option<&'a [u8]> {
    let mut at = 0usize;
    while at + 8 <= b.len() {
        let size32 = be32(b, at)?;
        let (header, size) = match size32 {
            0 => (8, b.len() - at),
            1 => (16, usize::try_from(be64(b, at + 8)?).ok()?),
            n => (8, usize::try_from(n).ok()?),
        };
        if size < header {
            return None;
        }
        if &b[at + 4..at + 8] == name {
            let end = at.checked_add(size)?.min(b.len());
            return b.get(at + header..end);
        }
        at = at.checked_add(size)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_formats_and_sizes() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&640u32.to_be_bytes());
        png.extend_from_slice(&480u32.to_be_bytes());
        let s = sniff(&png, false).expect("png");
        assert_eq!(
            (s.mime, s.width, s.height),
            ("image/png", Some(640), Some(480))
        );

        let gif = tiny_gif(2);
        let s = sniff(&gif, true).expect("gif");
        assert_eq!(
            (s.mime, s.width, s.height, s.frames),
            ("image/gif", Some(1), Some(1), Some(2))
        );

        assert_eq!(
            sniff(b"RIFF\0\0\0\0WEBPVP8 ", false).map(|s| s.mime),
            Some("image/webp")
        );
        assert_eq!(sniff(b"hello world", false), None);
        assert_eq!(sniff(b"", true), None);
        // Truncated headers give unknown facts, not panics.
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n", false).map(|s| s.width),
            Some(None)
        );
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 200], false).map(|s| s.width),
            Some(None)
        );
    }

    #[test]
    fn reads_mp4_duration() {
        let mp4 = mp4_with_duration(3_000, 1000);
        let s = sniff(&mp4, false).expect("mp4");
        assert_eq!((s.mime, s.duration_ms), ("video/mp4", Some(3_000)));
        assert_eq!(sniff(&mp4[..20], false).map(|s| s.duration_ms), Some(None));
    }

    pub(crate) fn tiny_gif(frames: usize) -> Vec<u8> {
        let mut g = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff".to_vec();
        for _ in 0..frames {
            g.extend_from_slice(b"\x21\xf9\x04\x00\x0a\x00\x00\x00");
            g.extend_from_slice(b"\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00");
        }
        g.push(0x3B);
        g
    }

    pub(crate) fn mp4_with_duration(duration: u32, timescale: u32) -> Vec<u8> {
        let mut ftyp = 20u32.to_be_bytes().to_vec();
        ftyp.extend_from_slice(b"ftypisom\0\0\x02\0mp41");
        let mut mvhd_payload = vec![0u8; 4 + 4 + 4];
        mvhd_payload.extend_from_slice(&timescale.to_be_bytes());
        mvhd_payload.extend_from_slice(&duration.to_be_bytes());
        mvhd_payload.extend_from_slice(&[0u8; 80]);
        let mvhd_len = u32::try_from(8 + mvhd_payload.len()).expect("small");
        let mut moov = (mvhd_len + 8).to_be_bytes().to_vec();
        moov.extend_from_slice(b"moov");
        moov.extend_from_slice(&mvhd_len.to_be_bytes());
        moov.extend_from_slice(b"mvhd");
        moov.extend_from_slice(&mvhd_payload);
        [ftyp, moov].concat()
    }
}
