//! Field names to offer: those of the pasted events (most frequent first, with an example
//! value), then those the log source's events are known to have (Sysmon and Security fields,
//! per category, as SigmaHQ's rules name them).

use crate::event::{Event, FieldValue};

use std::collections::HashMap;

/// A field the events have: how many events have it, and one value to show.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldHint {
    pub name: String,
    pub count: usize,
    pub example: String,
}

/// At most this many characters of an example value.
const EXAMPLE_CHARS: usize = 60;

/// The events' field names, the most frequent first (ties by name).
pub fn event_fields<'e>(events: impl IntoIterator<Item = &'e Event>) -> Vec<FieldHint> {
    let mut seen: HashMap<&str, FieldHint> = HashMap::new();
    for event in events {
        for (name, value) in event.fields() {
            let hint = seen.entry(name).or_insert_with(|| FieldHint {
                name: name.to_string(),
                count: 0,
                example: example(value),
            });
            hint.count += 1;
        }
    }
    let mut hints: Vec<FieldHint> = seen.into_values().collect();
    hints.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    hints
}

fn example(value: &FieldValue) -> String {
    let text = value.display();
    if text.chars().count() > EXAMPLE_CHARS {
        let cut: String = text.chars().take(EXAMPLE_CHARS).collect();
        format!("{cut}…")
    } else {
        text
    }
}

const PROCESS: &[&str] = &[
    "Image",
    "CommandLine",
    "ParentImage",
    "ParentCommandLine",
    "OriginalFileName",
    "User",
    "IntegrityLevel",
    "CurrentDirectory",
    "Hashes",
    "Description",
    "Product",
    "Company",
    "FileVersion",
    "ProcessId",
    "ParentProcessId",
    "ParentUser",
    "LogonId",
    "ProcessGuid",
    "ParentProcessGuid",
    "TerminalSessionId",
    "UtcTime",
];
const NETWORK: &[&str] = &[
    "Image",
    "DestinationIp",
    "DestinationPort",
    "DestinationHostname",
    "SourceIp",
    "SourcePort",
    "SourceHostname",
    "Protocol",
    "Initiated",
    "User",
    "DestinationIsIpv6",
    "ProcessId",
];
const FILE: &[&str] = &[
    "Image",
    "TargetFilename",
    "User",
    "ProcessId",
    "CreationUtcTime",
];
const REGISTRY: &[&str] = &[
    "Image",
    "TargetObject",
    "Details",
    "EventType",
    "NewName",
    "User",
];
const IMAGE_LOAD: &[&str] = &[
    "Image",
    "ImageLoaded",
    "OriginalFileName",
    "Signed",
    "Signature",
    "SignatureStatus",
    "Hashes",
    "Description",
    "Product",
    "Company",
    "User",
];
const DNS: &[&str] = &["Image", "QueryName", "QueryStatus", "QueryResults", "User"];
const PROCESS_ACCESS: &[&str] = &[
    "SourceImage",
    "TargetImage",
    "GrantedAccess",
    "CallTrace",
    "SourceUser",
    "TargetUser",
];
const CREATE_REMOTE_THREAD: &[&str] = &[
    "SourceImage",
    "TargetImage",
    "StartAddress",
    "StartModule",
    "StartFunction",
];
const PIPE: &[&str] = &["Image", "PipeName", "EventType"];
const PS_SCRIPT: &[&str] = &["ScriptBlockText", "Path", "ScriptBlockId"];
const PS_MODULE: &[&str] = &["Payload", "ContextInfo"];
const SECURITY: &[&str] = &[
    "EventID",
    "SubjectUserName",
    "SubjectDomainName",
    "SubjectLogonId",
    "TargetUserName",
    "TargetDomainName",
    "TargetLogonId",
    "LogonType",
    "IpAddress",
    "IpPort",
    "WorkstationName",
    "ProcessName",
    "ServiceName",
    "ObjectName",
    "ObjectType",
    "AccessMask",
    "ShareName",
    "RelativeTargetName",
    "Status",
    "FailureReason",
    "AuthenticationPackageName",
];
const SYSTEM: &[&str] = &[
    "EventID",
    "Provider_Name",
    "ServiceName",
    "ImagePath",
    "ServiceType",
    "StartType",
    "AccountName",
];

/// The fields events of a log source are known to have, for `category` or else `service`.
pub fn known_fields(category: Option<&str>, service: Option<&str>) -> &'static [&'static str] {
    match (category, service) {
        (Some("process_creation"), _) => PROCESS,
        (Some("network_connection"), _) => NETWORK,
        (Some("file_event" | "file_delete" | "file_change" | "file_rename" | "file_access"), _) => {
            FILE
        }
        (
            Some(
                "registry_add" | "registry_delete" | "registry_set" | "registry_event"
                | "registry_rename",
            ),
            _,
        ) => REGISTRY,
        (Some("image_load" | "driver_load"), _) => IMAGE_LOAD,
        (Some("dns_query"), _) => DNS,
        (Some("process_access"), _) => PROCESS_ACCESS,
        (Some("create_remote_thread"), _) => CREATE_REMOTE_THREAD,
        (Some("pipe_created"), _) => PIPE,
        (Some("ps_script"), _) => PS_SCRIPT,
        (Some("ps_module"), _) => PS_MODULE,
        (_, Some("security")) => SECURITY,
        (_, Some("system")) => SYSTEM,
        _ => &[],
    }
}
