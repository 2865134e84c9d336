//! The colours of every page and chart, in one place.
//!
//! Codes, series and markers use the Okabe-Ito palette (Okabe & Ito 2008, "Color
//! Universal Design"), chosen so that the common forms of colour blindness still tell
//! them apart; every mark also carries a text label or a shape, so colour is never the
//! only cue. Neutral inks and light tints of the band colours fill in around them.

use plotters::style::RGBColor;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rgb(pub u8, pub u8, pub u8);

/// Okabe-Ito blue: open questions, good bands, a measure's series.
pub(crate) const BLUE: Rgb = Rgb(0x00, 0x72, 0xB2);
/// Okabe-Ito sky blue: closed questions.
pub(crate) const SKY_BLUE: Rgb = Rgb(0x56, 0xB4, 0xE9);
/// Okabe-Ito yellow: simple reflections.
pub(crate) const YELLOW: Rgb = Rgb(0xF0, 0xE4, 0x42);
/// Okabe-Ito orange: complex reflections, fair bands.
pub(crate) const ORANGE: Rgb = Rgb(0xE6, 0x9F, 0x00);
/// Okabe-Ito reddish purple: input.
pub(crate) const PURPLE: Rgb = Rgb(0xCC, 0x79, 0xA7);
/// Okabe-Ito bluish green: change talk, repairs.
pub(crate) const GREEN: Rgb = Rgb(0x00, 0x9E, 0x73);
/// Okabe-Ito vermillion: sustain talk, below-fair bands, ruptures.
pub(crate) const VERMILLION: Rgb = Rgb(0xD5, 0x5E, 0x00);
/// Grey: other counsellor talk, legend borders.
pub(crate) const GREY: Rgb = Rgb(0x99, 0x99, 0x99);
/// Light grey: neutral client talk.
pub(crate) const LIGHT_GREY: Rgb = Rgb(0xCC, 0xCC, 0xCC);

/// Body text in charts.
pub(crate) const INK: Rgb = Rgb(0x22, 0x22, 0x22);
/// Lines that must read as near-black, such as a measure's cut-off.
pub(crate) const DARK_GREY: Rgb = Rgb(0x33, 0x33, 0x33);
/// Secondary text in charts.
pub(crate) const MUTED: Rgb = Rgb(0x55, 0x55, 0x55);
/// Alternate lanes of the timeline.
pub(crate) const STRIPE: Rgb = Rgb(0xF3, 0xF3, 0xF3);
/// Light grid lines.
pub(crate) const GRID: Rgb = Rgb(0xF2, 0xF2, 0xF2);
/// Heavier grid lines.
pub(crate) const GRID_BOLD: Rgb = Rgb(0xDD, 0xDD, 0xDD);
/// Light tints of the band colours (vermillion, orange, blue), and grey where the MITI
/// manual sets no threshold, for gauge and chart zones.
pub(crate) const TINT_BELOW: Rgb = Rgb(0xF7, 0xD7, 0xC4);
/// See [`TINT_BELOW`].
pub(crate) const TINT_FAIR: Rgb = Rgb(0xFA, 0xE6, 0xB3);
/// See [`TINT_BELOW`].
pub(crate) const TINT_GOOD: Rgb = Rgb(0xC7, 0xE0, 0xF0);
/// See [`TINT_BELOW`].
pub(crate) const TINT_NONE: Rgb = Rgb(0xE6, 0xE6, 0xE6);

impl Rgb {
    /// The colour as plotters draws it.
    pub(crate) const fn plotters(self) -> RGBColor {
        RGBColor(self.0, self.1, self.2)
    }

    /// The colour as CSS writes it, `#rrggbb`.
    pub(crate) fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// WCAG 2 relative luminance.
    fn luminance(self) -> f64 {
        let channel = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v <= 0.04045 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(self.0) + 0.7152 * channel(self.1) + 0.0722 * channel(self.2)
    }

    /// Black or white text on this colour, whichever contrasts more.
    pub(crate) fn ink(self) -> &'static str {
        let l = self.luminance();
        // Contrast ratios (L1 + 0.05) / (L2 + 0.05) against white and against black.
        if 1.05 / (l + 0.05) > (l + 0.05) / 0.05 {
            "#ffffff"
        } else {
            "#000000"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_ink_contrasts() {
        assert_eq!(BLUE.ink(), "#ffffff");
        assert_eq!(YELLOW.ink(), "#000000");
        assert_eq!(GREEN.ink(), "#000000");
        assert_eq!(VERMILLION.hex(), "#d55e00");
    }
}
