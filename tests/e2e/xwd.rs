//! Screenshots from the X server: `xwd` dumps the app's window as the display shows it, and
//! this turns the dump into a PNG.
//!
//! Why not WebDriver's screenshot: the app draws on the CPU (it turns WebKit's compositing
//! off, see `src-tauri/src/main.rs`), and WebKitGTK 2.50's WebDriver snapshot never returns in
//! that mode. The X server's pixels are also closer to what a person sees.

use std::path::Path;
use std::process::Command;

use super::env::XDisplay;

/// Saves the top-level window titled `title` as a PNG in `file`; fails with the reason when
/// `xwd` is missing, the window is not there, or the picture is blank.
pub fn capture_window(x: &XDisplay, title: &str, file: &Path) -> Result<(), String> {
    let out = Command::new("xwd")
        .args(["-silent", "-nobdrs", "-name", title])
        .env("DISPLAY", &x.display)
        .env("XAUTHORITY", &x.xauthority)
        .output()
        .map_err(|e| format!("xwd (package x11-apps) could not run: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "xwd -name {title:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let image = decode(&out.stdout)?;
    let colours = image.distinct_colours(16);
    if colours < 16 {
        return Err(format!(
            "the window {title:?} shows only {colours} colours: it was not drawn"
        ));
    }
    image.write_png(file)
}

/// An RGB picture.
#[derive(Debug)]
pub struct Rgb {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl Rgb {
    /// How many distinct colours it has, counting up to `enough`.
    pub fn distinct_colours(&self, enough: usize) -> usize {
        let mut seen = std::collections::HashSet::new();
        for px in self.pixels.chunks_exact(3) {
            seen.insert([px[0], px[1], px[2]]);
            if seen.len() >= enough {
                break;
            }
        }
        seen.len()
    }

    fn write_png(&self, file: &Path) -> Result<(), String> {
        let f =
            std::fs::File::create(file).map_err(|e| format!("writing {}: {e}", file.display()))?;
        let mut encoder = png::Encoder::new(std::io::BufWriter::new(f), self.width, self.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| format!("writing {}: {e}", file.display()))?;
        writer
            .write_image_data(&self.pixels)
            .map_err(|e| format!("writing {}: {e}", file.display()))
    }
}

/// Decodes an XWD dump (X11 `XWDFileHeader`, version 7) of a TrueColor window with 24 or 32
/// bits per pixel, which is what Xvfb and desktop X servers give.
pub fn decode(bytes: &[u8]) -> Result<Rgb, String> {
    // The header is 25 big-endian CARD32s, then the window's name up to `header_size`.
    let field = |i: usize| -> Result<u32, String> {
        bytes
            .get(i * 4..i * 4 + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| "xwd: the dump is cut short".to_string())
    };
    let header_size = field(0)? as usize;
    if field(1)? != 7 || field(2)? != 2 {
        return Err("xwd: not a version 7 ZPixmap dump".into());
    }
    let (width, height) = (field(4)?, field(5)?);
    let lsb_first = field(7)? == 0;
    let bits_per_pixel = field(11)?;
    let bytes_per_line = field(12)? as usize;
    let (red, green, blue) = (field(14)?, field(15)?, field(16)?);
    let ncolors = field(19)? as usize;
    if bits_per_pixel != 32 && bits_per_pixel != 24 {
        return Err(format!(
            "xwd: {bits_per_pixel} bits per pixel is not handled"
        ));
    }
    let step = (bits_per_pixel / 8) as usize;
    // Each colormap entry is 12 bytes; TrueColor pixels do not use them.
    let start = header_size + ncolors * 12;
    let end = start + bytes_per_line * height as usize;
    let data = bytes
        .get(start..end)
        .ok_or_else(|| "xwd: the pixels are cut short".to_string())?;
    let channel = |pixel: u32, mask: u32| -> u8 {
        if mask == 0 {
            return 0;
        }
        ((pixel & mask) >> mask.trailing_zeros()) as u8
    };
    let mut pixels = Vec::with_capacity((width * height * 3) as usize);
    for row in data.chunks_exact(bytes_per_line) {
        for px in row[..width as usize * step].chunks_exact(step) {
            let mut b = [0u8; 4];
            b[..step].copy_from_slice(px);
            let pixel = if lsb_first {
                u32::from_le_bytes(b)
            } else {
                u32::from_be_bytes(b) >> (32 - bits_per_pixel)
            };
            pixels.extend([
                channel(pixel, red),
                channel(pixel, green),
                channel(pixel, blue),
            ]);
        }
    }
    Ok(Rgb {
        width,
        height,
        pixels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2 x 1 dump, as Xvfb writes it: LSB-first 32-bit pixels, red then blue.
    #[test]
    fn decodes_a_truecolor_dump() {
        let mut header = [0u32; 25];
        header[0] = 100 + 4; // the header and the name "red\0"
        header[1] = 7;
        header[2] = 2;
        header[3] = 24;
        header[4] = 2;
        header[5] = 1;
        header[7] = 0;
        header[11] = 32;
        header[12] = 8;
        header[14] = 0xFF_0000;
        header[15] = 0x00_FF00;
        header[16] = 0x00_00FF;
        let mut bytes: Vec<u8> = header.iter().flat_map(|f| f.to_be_bytes()).collect();
        bytes.extend(b"red\0");
        bytes.extend(0x00FF_0000u32.to_le_bytes());
        bytes.extend(0x0000_00FFu32.to_le_bytes());
        let rgb = decode(&bytes).expect("a valid dump");
        assert_eq!((rgb.width, rgb.height), (2, 1));
        assert_eq!(rgb.pixels, vec![255, 0, 0, 0, 0, 255]);
        assert_eq!(rgb.distinct_colours(16), 2);
        assert!(decode(&bytes[..110]).is_err());
    }
}
