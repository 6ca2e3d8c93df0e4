//! What a rule author can write, with a line on each: the keys in SigmaHQ's order, the values
//! of the enumerated keys, the modifiers and the condition's words. The modifier list itself is
//! the rule layer's ([`crate::rule::modifier::NAMES`]); this only adds the words for people.

use crate::rule::modifier::Modifier;

/// Top-level keys of a detection rule in the order SigmaHQ writes them.
pub const TOP_KEYS: &[(&str, &str)] = &[
    (
        "title",
        "A short capitalised title (at most 256 characters)",
    ),
    ("id", "A UUID (version 4) that identifies the rule for good"),
    (
        "name",
        "A unique name other rules (correlations, filters) refer to",
    ),
    (
        "related",
        "Rules this one derives from, obsoletes, merges, renames or resembles",
    ),
    (
        "status",
        "Maturity: stable, test, experimental, deprecated, unsupported",
    ),
    ("description", "What the rule detects and why it matters"),
    (
        "references",
        "Links to the research or reports behind the rule",
    ),
    ("author", "Who wrote the rule"),
    ("date", "When it was written (YYYY-MM-DD)"),
    ("modified", "When it was last changed (YYYY-MM-DD)"),
    (
        "tags",
        "ATT&CK techniques and other tags (attack.t1059.001, cve.2021-44228)",
    ),
    (
        "logsource",
        "Which events the rule reads: product, category, service",
    ),
    (
        "detection",
        "The search identifiers and the condition that combines them",
    ),
    ("fields", "Event fields worth showing with a match"),
    ("falsepositives", "Known benign cases that also match"),
    (
        "level",
        "Severity: informational, low, medium, high, critical",
    ),
];

pub const STATUS: &[(&str, &str)] = &[
    ("stable", "Tested in several environments for a long time"),
    ("test", "Works; being tested for false positives"),
    ("experimental", "New; may be noisy"),
    (
        "deprecated",
        "Replaced by another rule (say which in related)",
    ),
    (
        "unsupported",
        "Cannot be used as it is (special backend features)",
    ),
];

pub const LEVELS: &[(&str, &str)] = &[
    (
        "informational",
        "Not a threat: for enrichment or compliance",
    ),
    ("low", "Notable, rarely an incident on its own"),
    ("medium", "Relevant; review it when time allows"),
    ("high", "Review soon: likely malicious"),
    ("critical", "Review at once: almost certainly malicious"),
];

pub const RELATION_TYPES: &[(&str, &str)] = &[
    ("derived", "This rule was derived from the referenced one"),
    ("obsolete", "This rule replaces the referenced one"),
    ("merged", "This rule merges the referenced ones"),
    (
        "renamed",
        "The referenced rule's id was changed to this one",
    ),
    ("similar", "The referenced rule detects something similar"),
];

/// Words of the condition, with what they do.
pub const CONDITION_WORDS: &[(&str, &str)] = &[
    ("and", "Both sides must be true"),
    ("or", "Either side is enough"),
    ("not", "Inverts what follows: not filter"),
    (
        "1 of",
        "At least one of the identifiers that match the pattern: 1 of selection_*",
    ),
    (
        "all of",
        "Every identifier that matches the pattern: all of selection_*",
    ),
    (
        "them",
        "With 1 of / all of: every search identifier of the rule",
    ),
];

/// One modifier's help: what it does, and an example line.
pub struct ModifierHelp {
    pub summary: &'static str,
    pub example: &'static str,
}

pub fn modifier_help(m: Modifier) -> ModifierHelp {
    let (summary, example) = match m {
        Modifier::Contains => ("The value appears anywhere in the field", "CommandLine|contains: 'whoami'"),
        Modifier::StartsWith => ("The field starts with the value", "Image|startswith: 'C:\\Users\\'"),
        Modifier::EndsWith => ("The field ends with the value", "Image|endswith: '\\cmd.exe'"),
        Modifier::All => ("Every value of the list must match (not just one)", "CommandLine|contains|all: ['-enc', 'bypass']"),
        Modifier::Base64 => ("Matches the value's base64 encoding", "CommandLine|base64: 'http://'"),
        Modifier::Base64Offset => ("Matches the value base64-encoded at any of the 3 byte offsets, as inside a longer encoded text", "CommandLine|base64offset|contains: 'IEX'"),
        Modifier::Utf16 => ("Encodes the value as UTF-16 with a byte order mark, before base64", "CommandLine|utf16|base64offset|contains: 'ping'"),
        Modifier::Utf16Le => ("Encodes the value as UTF-16 little endian (same as wide), before base64", "CommandLine|utf16le|base64offset|contains: 'ping'"),
        Modifier::Utf16Be => ("Encodes the value as UTF-16 big endian, before base64", "CommandLine|utf16be|base64offset|contains: 'ping'"),
        Modifier::Wide => ("Encodes the value as UTF-16 little endian, before base64 (PowerShell -EncodedCommand)", "CommandLine|wide|base64offset|contains: 'ping'"),
        Modifier::Windash => ("Also matches the value with - replaced by /, –, — and ― (Windows accepts all as option dashes)", "CommandLine|windash|contains: ' -exec '"),
        Modifier::Re => ("A regular expression (RE2 syntax) searched in the field", "CommandLine|re: '\\s-e(nc)?\\s'"),
        Modifier::IgnoreCase => ("With re: the regex ignores case", "CommandLine|re|i: 'invoke-'"),
        Modifier::MultiLine => ("With re: ^ and $ match at every line", "ScriptBlockText|re|m: '^iex'"),
        Modifier::DotAll => ("With re: . also matches a newline", "ScriptBlockText|re|s: 'a.b'"),
        Modifier::Cidr => ("The field is an IP address inside the network", "DestinationIp|cidr: '10.0.0.0/8'"),
        Modifier::Lt => ("The field is a number less than the value", "LogonType|lt: 3"),
        Modifier::Lte => ("The field is a number at most the value", "LogonType|lte: 3"),
        Modifier::Gt => ("The field is a number greater than the value", "EventID|gt: 4000"),
        Modifier::Gte => ("The field is a number at least the value", "EventID|gte: 4000"),
        Modifier::Exists => ("The field is present (true) or absent (false)", "OriginalFileName|exists: false"),
        Modifier::Cased => ("Compares case-sensitively (by default Sigma ignores case)", "CommandLine|cased|contains: 'IEX'"),
        Modifier::Neq => ("The field is none of the values (a missing field counts as not equal)", "User|neq: 'SYSTEM'"),
        Modifier::FieldRef => ("The value names another field: both fields must be equal", "ParentImage|fieldref: 'Image'"),
        Modifier::Expand => ("The value is a %placeholder% filled from the pipeline's or the page's values", "User|expand: '%Admins%'"),
        Modifier::Minute => ("Compares the minute of the field's time", "UtcTime|minute: 0"),
        Modifier::Hour => ("Compares the hour (UTC) of the field's time", "UtcTime|hour|gte: 22"),
        Modifier::Day => ("Compares the day of the month of the field's time", "UtcTime|day: 1"),
        Modifier::Week => ("Compares the ISO week of the field's time", "UtcTime|week: 52"),
        Modifier::Month => ("Compares the month of the field's time", "UtcTime|month: 12"),
        Modifier::Year => ("Compares the year of the field's time", "UtcTime|year|lt: 2020"),
    };
    ModifierHelp { summary, example }
}
