//! The image's words in Danish and English, as the web map's `i18n.js` says them.

use kvarter_compare::Change;
use kvarter_core::{Status, Title};

use crate::request::Lang;

impl Lang {
    /// The title in this language.
    pub(crate) fn pick(self, title: &Title) -> &str {
        match self {
            Lang::Da => &title.da,
            Lang::En => &title.en,
        }
    }

    /// Danish or English.
    fn say(self, da: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Da => da,
            Lang::En => en,
        }
    }

    /// The status word (never shows a reconstruction as official).
    pub(crate) fn status(self, status: Status) -> &'static str {
        match status {
            Status::Official => self.say("officiel", "official"),
            Status::Reconstructed => self.say("rekonstrueret", "reconstructed"),
            Status::Imported => self.say("importeret", "imported"),
            Status::Synthetic => self.say("syntetisk", "synthetic"),
        }
    }

    /// A kind of comparison piece.
    pub(crate) fn change(self, change: Change) -> &'static str {
        match change {
            Change::Kept => self.say("Udpeget begge år", "Designated in both years"),
            Change::Added => self.say("Tilføjet", "Added"),
            Change::Removed => self.say("Fjernet", "Removed"),
        }
    }

    pub(crate) fn legend(self) -> &'static str {
        self.say("Signaturforklaring", "Legend")
    }

    pub(crate) fn base_map(self) -> &'static str {
        self.say("Baggrundskort", "Base map")
    }

    pub(crate) fn licence(self) -> &'static str {
        self.say("Licens", "Licence")
    }

    pub(crate) fn sources(self) -> &'static str {
        self.say("Kilder", "Sources")
    }

    pub(crate) fn data_version(self) -> &'static str {
        self.say("Dataversion", "Data version")
    }

    pub(crate) fn no_data(self) -> &'static str {
        self.say("Ingen data", "No data")
    }

    pub(crate) fn coloured_on(self) -> &'static str {
        self.say("Farvelægges på", "Coloured on")
    }

    /// `value` with at most `digits` decimals, grouped and with the decimal sign of the
    /// language (as the web map's `Intl.NumberFormat`).
    pub(crate) fn number(self, value: f64, digits: usize) -> String {
        let (group, decimal) = match self {
            Lang::Da => ('.', ','),
            Lang::En => (',', '.'),
        };
        let text = format!("{:.*}", digits, value.abs());
        let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
        let fraction = fraction.trim_end_matches('0');
        let mut grouped = String::new();
        for (i, digit) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(group);
            }
            grouped.push(digit);
        }
        let sign = if value < 0.0 && text.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
            "-"
        } else {
            ""
        };
        if fraction.is_empty() {
            format!("{sign}{grouped}")
        } else {
            format!("{sign}{grouped}{decimal}{fraction}")
        }
    }

    pub(crate) fn changed(self) -> &'static str {
        self.say("ændret", "changed")
    }

    pub(crate) fn reconstructed_note(self) -> &'static str {
        self.say(
            "Skraverede flader med stiplet kant er rekonstruerede tilnærmelser, ikke officielle grænser.",
            "Hatched areas with dashed outlines are reconstructed approximations, not official boundaries.",
        )
    }

    pub(crate) fn comparison_status(self, status: Status) -> String {
        match self {
            Lang::Da => format!(
                "Sammenligningen er ikke stærkere end sin svageste side: {}.",
                self.status(status)
            ),
            Lang::En => format!(
                "A comparison is as trustworthy as its weaker side: {}.",
                self.status(status)
            ),
        }
    }

    pub(crate) fn part_of(self, title: &str) -> String {
        match self {
            Lang::Da => format!("Del af {title}"),
            Lang::En => format!("Part of {title}"),
        }
    }

    /// The year label of a designation shown for `year`: "2025 – gældende pr. 1. januar 2025:
    /// …" when the layer is the one in force on that day rather than that year's edition.
    pub(crate) fn year_label(self, year: Option<i32>, in_force: bool, title: &str) -> String {
        match (year, in_force, self) {
            (None, _, _) => title.to_owned(),
            (Some(year), false, _) => format!("{year} – {title}"),
            (Some(year), true, Lang::Da) => {
                format!("{year} – gældende pr. 1. januar {year}: {title}")
            }
            (Some(year), true, Lang::En) => {
                format!("{year} – in force on 1 January {year}: {title}")
            }
        }
    }

    pub(crate) fn side_title(self, from: &str, to: &str) -> String {
        match self {
            Lang::Da => format!("Udsatte byområder: {from} og {to}"),
            Lang::En => format!("Vulnerable urban areas: {from} and {to}"),
        }
    }

    pub(crate) fn changes_title(self, from: &str, to: &str) -> String {
        match self {
            Lang::Da => format!("Udsatte byområder: ændringer {from} → {to}"),
            Lang::En => format!("Vulnerable urban areas: changes {from} → {to}"),
        }
    }
}
