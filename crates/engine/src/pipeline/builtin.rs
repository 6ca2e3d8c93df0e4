//! The built-in pipelines: pySigma YAML data files kept in `crates/engine/pipelines/` (see its
//! README for where each comes from and how it was checked).

use super::model::Pipeline;
use super::parse::parse_pipeline;

/// The built-ins by name, with a one-line description and their text.
pub const BUILTIN_PIPELINES: &[(&str, &str, &str)] = &[
    (
        "sysmon",
        "generic Windows log sources to Sysmon (EventID per category, service sysmon)",
        include_str!("../../pipelines/sysmon.yml"),
    ),
    (
        "windows_audit",
        "process creation and registry to the Security log (4688, 4657) with its field names",
        include_str!("../../pipelines/windows_audit.yml"),
    ),
    (
        "windows_logsource",
        "Windows services to Channel conditions (security → Security, ...)",
        include_str!("../../pipelines/windows_logsource.yml"),
    ),
    (
        "ecs_windows",
        "Winlogbeat 7+ / Elastic Common Schema field names and winlog.channel conditions",
        include_str!("../../pipelines/ecs_windows.yml"),
    ),
    (
        "ecs_windows_old",
        "Winlogbeat up to 6: event_data.* field names and winlog.channel conditions",
        include_str!("../../pipelines/ecs_windows_old.yml"),
    ),
];

/// The built-in pipeline of this name, read from its data file.
pub fn builtin_pipeline(name: &str) -> Option<Pipeline> {
    let (_, _, text) = BUILTIN_PIPELINES.iter().find(|(n, _, _)| *n == name)?;
    // The data files are part of the build and tested to parse; an error here is a bug.
    parse_pipeline(text, name).ok()
}
