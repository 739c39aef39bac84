//! QR codes of public survey links, as SVG and as PNG. The PNG is written here (stored
//! deflate blocks, CRC-32, Adler-32): a one-bit-per-module image needs no image library.

use qrcode::{Color, EcLevel, QrCode};

/// Pixels per module in the PNG, and the quiet zone in modules.
const SCALE: usize = 8;
const QUIET: usize = 4;

/// The QR code of `text` as SVG.
///
/// # Errors
/// The text is too long for a QR code.
pub fn svg(text: &str) -> Result<String, String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| e.to_string())?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build())
}

/// The QR code of `text` as a PNG (8 pixels a module, black on white).
///
/// # Errors
/// The text is too long for a QR code.
pub fn png(text: &str) -> Result<Vec<u8>, String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| e.to_string())?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET) * SCALE;
    // Grey scale, 8 bits: one filter byte then a byte per pixel, per row.
    let mut raw = Vec::with_capacity(side * (side + 1));
    for y in 0..side {
        raw.push(0);
        for x in 0..side {
            let (mx, my) = (
                (x / SCALE).wrapping_sub(QUIET),
                (y / SCALE).wrapping_sub(QUIET),
            );
            let dark = mx < modules && my < modules && colors[my * modules + mx] == Color::Dark;
            raw.push(if dark { 0 } else { 255 });
        }
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend((side as u32).to_be_bytes());
    header.extend((side as u32).to_be_bytes());
    header.extend([8, 0, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &header);
    chunk(&mut png, b"IDAT", &zlib_stored(&raw));
    chunk(&mut png, b"IEND", &[]);
    Ok(png)
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend((data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend(kind);
    out.extend(data);
    let crc = crc32(&out[start..]);
    out.extend(crc.to_be_bytes());
}

/// A zlib stream of stored (uncompressed) deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = data.chunks(65_535).collect();
    for (index, block) in blocks.iter().enumerate() {
        out.push(u8::from(index + 1 == blocks.len()));
        let len = block.len() as u16;
        out.extend(len.to_le_bytes());
        out.extend((!len).to_le_bytes());
        out.extend(*block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    out.extend(((b << 16) | a).to_be_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_match_their_definitions() {
        // Standard check values of CRC-32 and Adler-32 for "123456789".
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        let stream = zlib_stored(b"123456789");
        assert_eq!(&stream[stream.len() - 4..], &0x091E_01DEu32.to_be_bytes());
    }

    #[test]
    fn a_link_becomes_a_square_png_and_an_svg() {
        let png = png("http://127.0.0.1:8080/s/store-nps").unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
        assert_eq!(width, height);
        assert_eq!(width as usize % SCALE, 0);
        assert!(
            svg("http://127.0.0.1:8080/s/store-nps")
                .unwrap()
                .contains("<svg")
        );
    }
}
