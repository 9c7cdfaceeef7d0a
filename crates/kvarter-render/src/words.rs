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
