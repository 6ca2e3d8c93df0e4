//! Unicode classes (`\p{…}`) a Sigma regular expression may use: the ones of the regex engine
//! the reference validates it with. A rule's `|re` value is checked by pySigma 2 with RE2, which
//! knows general categories (`\pL`, `\p{Lu}`) and scripts (`\p{Greek}`), written exactly so;
//! a pipeline's conditions are Python `re` patterns, which have no Unicode classes at all.
//!
//! Checking here, rather than leaving it to the `regex` crate, keeps one behaviour in every build:
//! the page's wasm carries only the Unicode tables these classes need (not Unicode ages, binary
//! properties or segmentation), while a native build may be linked with all of them.

use regex_syntax::ast::{self, Ast, ClassSetItem, ClassUnicodeKind};

/// The regex engine whose classes a pattern must keep to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RegexFlavor {
    /// Rule values (`|re`): RE2, as pySigma 2 validates them.
    Re2,
    /// Processing-pipeline conditions: Python's `re`, as pySigma's pipelines match with it.
    PythonRe,
}

/// RE2's general categories (`unicode_groups.cc`): no long names, no `LC`, no `Cn`.
const RE2_CATEGORIES: &[&str] = &[
    "C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn", "N",
    "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm", "So",
    "Z", "Zl", "Zp", "Zs",
];

/// Unicode's scripts as RE2 names them (the property value aliases of `Scripts.txt`).
const RE2_SCRIPTS: &[&str] = &[
    "Adlam",
    "Ahom",
    "Anatolian_Hieroglyphs",
    "Arabic",
    "Armenian",
    "Avestan",
    "Balinese",
    "Bamum",
    "Bassa_Vah",
    "Batak",
    "Bengali",
    "Bhaiksuki",
    "Bopomofo",
    "Brahmi",
    "Braille",
    "Buginese",
    "Buhid",
    "Canadian_Aboriginal",
    "Carian",
    "Caucasian_Albanian",
    "Chakma",
    "Cham",
    "Cherokee",
    "Chorasmian",
    "Common",
    "Coptic",
    "Cuneiform",
    "Cypriot",
    "Cypro_Minoan",
    "Cyrillic",
    "Deseret",
    "Devanagari",
    "Dives_Akuru",
    "Dogra",
    "Duployan",
    "Egyptian_Hieroglyphs",
    "Elbasan",
    "Elymaic",
    "Ethiopic",
    "Garay",
    "Georgian",
    "Glagolitic",
    "Gothic",
    "Grantha",
    "Greek",
    "Gujarati",
    "Gunjala_Gondi",
    "Gurmukhi",
    "Gurung_Khema",
    "Han",
    "Hangul",
    "Hanifi_Rohingya",
    "Hanunoo",
    "Hatran",
    "Hebrew",
    "Hiragana",
    "Imperial_Aramaic",
    "Inherited",
    "Inscriptional_Pahlavi",
    "Inscriptional_Parthian",
    "Javanese",
    "Kaithi",
    "Kannada",
    "Katakana",
    "Kawi",
    "Kayah_Li",
    "Kharoshthi",
    "Khitan_Small_Script",
    "Khmer",
    "Khojki",
    "Khudawadi",
    "Kirat_Rai",
    "Lao",
    "Latin",
    "Lepcha",
    "Limbu",
    "Linear_A",
    "Linear_B",
    "Lisu",
    "Lycian",
    "Lydian",
    "Mahajani",
    "Makasar",
    "Malayalam",
    "Mandaic",
    "Manichaean",
    "Marchen",
    "Masaram_Gondi",
    "Medefaidrin",
    "Meetei_Mayek",
    "Mende_Kikakui",
    "Meroitic_Cursive",
    "Meroitic_Hieroglyphs",
    "Miao",
    "Modi",
    "Mongolian",
    "Mro",
    "Multani",
    "Myanmar",
    "Nabataean",
    "Nag_Mundari",
    "Nandinagari",
    "New_Tai_Lue",
    "Newa",
    "Nko",
    "Nushu",
    "Nyiakeng_Puachue_Hmong",
    "Ogham",
    "Ol_Chiki",
    "Ol_Onal",
    "Old_Hungarian",
    "Old_Italic",
    "Old_North_Arabian",
    "Old_Permic",
    "Old_Persian",
    "Old_Sogdian",
    "Old_South_Arabian",
    "Old_Turkic",
    "Old_Uyghur",
    "Oriya",
    "Osage",
    "Osmanya",
    "Pahawh_Hmong",
    "Palmyrene",
    "Pau_Cin_Hau",
    "Phags_Pa",
    "Phoenician",
    "Psalter_Pahlavi",
    "Rejang",
    "Runic",
    "Samaritan",
    "Saurashtra",
    "Sharada",
    "Shavian",
    "Siddham",
    "SignWriting",
    "Sinhala",
    "Sogdian",
    "Sora_Sompeng",
    "Soyombo",
    "Sundanese",
    "Sunuwar",
    "Syloti_Nagri",
    "Syriac",
    "Tagalog",
    "Tagbanwa",
    "Tai_Le",
    "Tai_Tham",
    "Tai_Viet",
    "Takri",
    "Tamil",
    "Tangsa",
    "Tangut",
    "Telugu",
    "Thaana",
    "Thai",
    "Tibetan",
    "Tifinagh",
    "Tirhuta",
    "Todhri",
    "Toto",
    "Tulu_Tigalari",
    "Ugaritic",
    "Vai",
    "Vithkuqi",
    "Wancho",
    "Warang_Citi",
    "Yezidi",
    "Yi",
    "Zanabazar_Square",
];

/// Why `pattern` cannot be used in `flavor`, if it writes a Unicode class that engine lacks.
/// A pattern that does not parse is left to the regex compiler, which says where.
pub(crate) fn unsupported_unicode_class(pattern: &str, flavor: RegexFlavor) -> Option<String> {
    let parsed = ast::parse::Parser::new().parse(pattern).ok()?;
    let mut finder = Finder {
        flavor,
        found: None,
    };
    ast::visit(&parsed, &mut finder).ok()?;
    let class = finder.found?;
    Some(match flavor {
        RegexFlavor::Re2 => format!(
            "the Unicode class {class} is not one RE2 knows (pySigma 2 checks regular expressions \
             with RE2): use a general category such as \\pL or \\p{{Lu}}, or a script such as \
             \\p{{Greek}}, written exactly so"
        ),
        RegexFlavor::PythonRe => format!(
            "the Unicode class {class} cannot be used here: pipeline conditions are Python `re` \
             patterns (as in pySigma), which have no \\p classes"
        ),
    })
}

struct Finder {
    flavor: RegexFlavor,
    found: Option<String>,
}

impl Finder {
    fn check(&mut self, class: &ast::ClassUnicode) {
        if self.found.is_some() || self.allows(&class.kind) {
            return;
        }
        let p = if class.negated { 'P' } else { 'p' };
        self.found = Some(match &class.kind {
            ClassUnicodeKind::OneLetter(c) => format!("\\{p}{c}"),
            ClassUnicodeKind::Named(name) => format!("\\{p}{{{name}}}"),
            ClassUnicodeKind::NamedValue { name, value, .. } => format!("\\{p}{{{name}={value}}}"),
        });
    }

    fn allows(&self, kind: &ClassUnicodeKind) -> bool {
        match (self.flavor, kind) {
            (RegexFlavor::PythonRe, _) => false,
            (RegexFlavor::Re2, ClassUnicodeKind::OneLetter(c)) => {
                RE2_CATEGORIES.contains(&c.to_string().as_str())
            }
            (RegexFlavor::Re2, ClassUnicodeKind::Named(name)) => {
                name == "Any"
                    || RE2_CATEGORIES.contains(&name.as_str())
                    || RE2_SCRIPTS.contains(&name.as_str())
            }
            (RegexFlavor::Re2, ClassUnicodeKind::NamedValue { .. }) => false,
        }
    }
}

impl ast::Visitor for &mut Finder {
    type Output = ();
    type Err = ();

    fn finish(self) -> Result<(), ()> {
        Ok(())
    }

    fn visit_pre(&mut self, ast: &Ast) -> Result<(), ()> {
        if let Ast::ClassUnicode(class) = ast {
            self.check(class);
        }
        Ok(())
    }

    fn visit_class_set_item_pre(&mut self, item: &ClassSetItem) -> Result<(), ()> {
        if let ClassSetItem::Unicode(class) = item {
            self.check(class);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn re2_keeps_general_categories_and_scripts() {
        for ok in [
            r"\pL+",
            r"\p{Lu}\d",
            r"[\p{Greek}\s]",
            r"\P{Cyrillic}",
            r"\p{Any}",
            r"plain\w+",
        ] {
            assert_eq!(
                unsupported_unicode_class(ok, RegexFlavor::Re2),
                None,
                "{ok}"
            );
        }
        for (bad, class) in [
            (r"\p{Alphabetic}", r"\p{Alphabetic}"),
            (r"a[\p{Letter}]", r"\p{Letter}"),
            (r"\p{greek}", r"\p{greek}"),
            (r"\p{sc=Greek}", r"\p{sc=Greek}"),
            (r"\P{age:3.0}", r"\P{age=3.0}"),
            (r"\pX", r"\pX"),
        ] {
            let why = unsupported_unicode_class(bad, RegexFlavor::Re2).expect(bad);
            assert!(why.contains(class), "{bad}: {why}");
            assert!(why.contains("RE2"), "{why}");
        }
    }

    #[test]
    fn python_re_has_no_unicode_classes() {
        let why = unsupported_unicode_class(r"^Event\pL", RegexFlavor::PythonRe).unwrap();
        assert!(why.contains(r"\pL") && why.contains("Python"), "{why}");
        assert_eq!(
            unsupported_unicode_class(r"^Event\w+$", RegexFlavor::PythonRe),
            None
        );
    }
}
