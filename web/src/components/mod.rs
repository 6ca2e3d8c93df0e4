//! The page's parts. Each takes the values it shows and callbacks for what the user does (props
//! down, callbacks up); none holds the reducer.

pub mod code_editor;
pub mod correlation_panel;
pub mod event_fields;
pub mod events_pane;
pub mod exercise_panel;
pub mod explanation;
pub mod file_button;
pub mod format_rule;
pub mod notices;
pub mod pipeline_pane;
pub mod quick_fix;
pub mod regression;
pub mod rule_pane;
pub mod ruleset;
pub mod share_panel;
pub mod top_bar;
pub mod verdict_list;
