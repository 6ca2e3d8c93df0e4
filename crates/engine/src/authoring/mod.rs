//! Help while writing a rule: completion and hover help from the rule text as it is typed
//! (it need not parse), the events' fields and the engine's own tables (modifiers and their
//! chaining rules, the log source taxonomy). Byte offsets in and out; the page converts them
//! to its editor's positions.

mod catalog;
mod complete;
mod cursor;
mod draft;
mod fields;
mod fixes;
mod format;
mod hover;

pub use complete::{complete, AuthoringHints, Completion, CompletionKind, CompletionList};
pub use draft::{
    add_to_selection, exclude_like, rule_from_event, sigma_literal, DraftMatch, TextEdit,
};
pub use fields::{event_fields, FieldHint};
pub use fixes::{quick_fixes, QuickFix};
pub use format::{format_plan, FormatPlan};
pub use hover::{hover, Hover};

#[cfg(test)]
mod tests;
