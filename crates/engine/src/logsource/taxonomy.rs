//! The built-in table: the Sigma taxonomy for Windows, the same content as SigmaHQ's
//! `tests/thor.yml` (a test checks they agree), one typed row per line of the taxonomy.

use super::LogSourceEntry;
use std::sync::Arc;

/// A category rewritten to `service: sysmon`: its Sysmon event ids.
struct SysmonCategory {
    category: &'static str,
    event_ids: &'static [i64],
}

/// A category of Sysmon event 12 told apart by its `EventType`.
struct EventTypeCategory {
    category: &'static str,
    event_type: &'static str,
}

/// A category rewritten to another service, with the field renames its events need.
struct ServiceCategory {
    category: &'static str,
    /// thor.yml gives some entries no product.
    product: Option<&'static str>,
    event_ids: &'static [i64],
    service: &'static str,
    /// Rule field → event field.
    field_mappings: &'static [(&'static str, &'static str)],
}

/// A service and the channels its events come from.
struct Service {
    service: &'static str,
    channels: &'static [&'static str],
}

/// How messages name the channels of a service ("Sysmon event 1", "Security event 4688").
pub(super) struct ServiceLabel {
    pub service: &'static str,
    pub label: &'static str,
}

/// Categories rewritten to `service: sysmon`: category → Sysmon event ids.
const SYSMON_CATEGORIES: &[SysmonCategory] = &[
    SysmonCategory {
        category: "process_creation",
        event_ids: &[1],
    },
    SysmonCategory {
        category: "file_change",
        event_ids: &[2],
    },
    SysmonCategory {
        category: "network_connection",
        event_ids: &[3],
    },
    SysmonCategory {
        category: "sysmon_status",
        event_ids: &[4, 16],
    },
    SysmonCategory {
        category: "process_termination",
        event_ids: &[5],
    },
    SysmonCategory {
        category: "driver_load",
        event_ids: &[6],
    },
    SysmonCategory {
        category: "image_load",
        event_ids: &[7],
    },
    SysmonCategory {
        category: "create_remote_thread",
        event_ids: &[8],
    },
    SysmonCategory {
        category: "raw_access_thread",
        event_ids: &[9],
    },
    SysmonCategory {
        category: "process_access",
        event_ids: &[10],
    },
    SysmonCategory {
        category: "file_event",
        event_ids: &[11],
    },
    SysmonCategory {
        category: "registry_event",
        event_ids: &[12, 13, 14],
    },
    SysmonCategory {
        category: "registry_set",
        event_ids: &[13],
    },
    SysmonCategory {
        category: "registry_rename",
        event_ids: &[14],
    },
    SysmonCategory {
        category: "create_stream_hash",
        event_ids: &[15],
    },
    SysmonCategory {
        category: "pipe_created",
        event_ids: &[17, 18],
    },
    SysmonCategory {
        category: "wmi_event",
        event_ids: &[19, 20, 21],
    },
    SysmonCategory {
        category: "dns_query",
        event_ids: &[22],
    },
    SysmonCategory {
        category: "file_delete",
        event_ids: &[23],
    },
    SysmonCategory {
        category: "clipboard_change",
        event_ids: &[24],
    },
    SysmonCategory {
        category: "process_tampering",
        event_ids: &[25],
    },
    SysmonCategory {
        category: "file_delete_detected",
        event_ids: &[26],
    },
    SysmonCategory {
        category: "file_block_executable",
        event_ids: &[27],
    },
    SysmonCategory {
        category: "file_block_shredding",
        event_ids: &[28],
    },
    SysmonCategory {
        category: "file_executable_detected",
        event_ids: &[29],
    },
    SysmonCategory {
        category: "sysmon_error",
        event_ids: &[255],
    },
];

/// Sysmon event 12 split by `EventType`: (category, EventType).
const SYSMON_REGISTRY_12: &[EventTypeCategory] = &[
    EventTypeCategory {
        category: "registry_add",
        event_type: "CreateKey",
    },
    EventTypeCategory {
        category: "registry_delete",
        event_type: "DeleteKey",
    },
    EventTypeCategory {
        category: "registry_delete",
        event_type: "DeleteValue",
    },
];

/// Categories rewritten to other services.
const OTHER_CATEGORIES: &[ServiceCategory] = &[
    ServiceCategory {
        category: "process_creation",
        product: Some("windows"),
        event_ids: &[4688],
        service: "security",
        field_mappings: &[
            ("Image", "NewProcessName"),
            ("ParentImage", "ParentProcessName"),
        ],
    },
    ServiceCategory {
        category: "ps_module",
        product: Some("windows"),
        event_ids: &[4103],
        service: "powershell",
        field_mappings: &[],
    },
    ServiceCategory {
        category: "ps_script",
        product: Some("windows"),
        event_ids: &[4104],
        service: "powershell",
        field_mappings: &[],
    },
    ServiceCategory {
        category: "ps_classic_start",
        product: Some("windows"),
        event_ids: &[400],
        service: "powershell-classic",
        field_mappings: &[],
    },
    ServiceCategory {
        category: "ps_classic_provider_start",
        product: Some("windows"),
        event_ids: &[600],
        service: "powershell-classic",
        field_mappings: &[],
    },
    ServiceCategory {
        category: "ps_classic_script",
        product: Some("windows"),
        event_ids: &[800],
        service: "powershell-classic",
        field_mappings: &[],
    },
    // Defender detections with a 'Threat Name' or 'Path'; thor.yml gives this entry no product.
    ServiceCategory {
        category: "antivirus",
        product: None,
        event_ids: &[
            1006, 1007, 1008, 1009, 1010, 1011, 1012, 1017, 1018, 1019, 1115, 1116,
        ],
        service: "windefend",
        field_mappings: &[("Signature", "ThreatName"), ("Filename", "Path")],
    },
];

/// Services: service → channels.
const SERVICES: &[Service] = &[
    Service {
        service: "application",
        channels: &["Application"],
    },
    Service {
        service: "security",
        channels: &["Security"],
    },
    Service {
        service: "system",
        channels: &["System"],
    },
    Service {
        service: "ntlm",
        channels: &["Microsoft-Windows-NTLM/Operational"],
    },
    Service {
        service: "sysmon",
        channels: &["Microsoft-Windows-Sysmon/Operational"],
    },
    Service {
        service: "powershell",
        channels: &[
            "Microsoft-Windows-PowerShell/Operational",
            "PowerShellCore/Operational",
        ],
    },
    Service {
        service: "powershell-classic",
        channels: &["Windows PowerShell"],
    },
    Service {
        service: "taskscheduler",
        channels: &["Microsoft-Windows-TaskScheduler/Operational"],
    },
    Service {
        service: "wmi",
        channels: &["Microsoft-Windows-WMI-Activity/Operational"],
    },
    Service {
        service: "dhcp",
        channels: &["Microsoft-Windows-DHCP-Server/Operational"],
    },
    Service {
        service: "printservice-admin",
        channels: &["Microsoft-Windows-PrintService/Admin"],
    },
    Service {
        service: "smbclient-security",
        channels: &["Microsoft-Windows-SmbClient/Security"],
    },
    Service {
        service: "smbclient-connectivity",
        channels: &["Microsoft-Windows-SmbClient/Connectivity"],
    },
    Service {
        service: "smbserver-connectivity",
        channels: &["Microsoft-Windows-SMBServer/Connectivity"],
    },
    Service {
        service: "printservice-operational",
        channels: &["Microsoft-Windows-PrintService/Operational"],
    },
    Service {
        service: "terminalservices-localsessionmanager",
        channels: &["Microsoft-Windows-TerminalServices-LocalSessionManager/Operational"],
    },
    Service {
        service: "codeintegrity-operational",
        channels: &["Microsoft-Windows-CodeIntegrity/Operational"],
    },
    Service {
        service: "applocker",
        channels: &[
            "Microsoft-Windows-AppLocker/MSI and Script",
            "Microsoft-Windows-AppLocker/EXE and DLL",
            "Microsoft-Windows-AppLocker/Packaged app-Deployment",
            "Microsoft-Windows-AppLocker/Packaged app-Execution",
        ],
    },
    Service {
        service: "msexchange-management",
        channels: &["MSExchange Management"],
    },
    Service {
        service: "windefend",
        channels: &["Microsoft-Windows-Windows Defender/Operational"],
    },
    Service {
        service: "firewall-as",
        channels: &["Microsoft-Windows-Windows Firewall With Advanced Security/Firewall"],
    },
    Service {
        service: "bits-client",
        channels: &["Microsoft-Windows-Bits-Client/Operational"],
    },
    Service {
        service: "security-mitigations",
        channels: &[
            "Microsoft-Windows-Security-Mitigations/Kernel Mode",
            "Microsoft-Windows-Security-Mitigations/User Mode",
        ],
    },
    Service {
        service: "diagnosis-scripted",
        channels: &["Microsoft-Windows-Diagnosis-Scripted/Operational"],
    },
    Service {
        service: "shell-core",
        channels: &["Microsoft-Windows-Shell-Core/Operational"],
    },
    Service {
        service: "openssh",
        channels: &["OpenSSH/Operational"],
    },
    Service {
        service: "ldap",
        channels: &["Microsoft-Windows-LDAP-Client/Debug"],
    },
    Service {
        service: "bitlocker",
        channels: &["Microsoft-Windows-BitLocker/BitLocker Management"],
    },
    Service {
        service: "vhdmp",
        channels: &["Microsoft-Windows-VHDMP/Operational"],
    },
    Service {
        service: "appxdeployment-server",
        channels: &["Microsoft-Windows-AppXDeploymentServer/Operational"],
    },
    Service {
        service: "lsa-server",
        channels: &["Microsoft-Windows-LSA/Operational"],
    },
    Service {
        service: "appxpackaging-om",
        channels: &["Microsoft-Windows-AppxPackaging/Operational"],
    },
    Service {
        service: "dns-client",
        channels: &["Microsoft-Windows-DNS Client Events/Operational"],
    },
    Service {
        service: "appmodel-runtime",
        channels: &["Microsoft-Windows-AppModel-Runtime/Admin"],
    },
    Service {
        service: "capi2",
        channels: &["Microsoft-Windows-CAPI2/Operational"],
    },
    Service {
        service: "certificateservicesclient-lifecycle-system",
        channels: &["Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational"],
    },
    Service {
        service: "kernel-shimengine",
        channels: &[
            "Microsoft-Windows-Kernel-ShimEngine/Operational",
            "Microsoft-Windows-Kernel-ShimEngine/Diagnostic",
        ],
    },
    Service {
        service: "application-experience",
        channels: &[
            "Microsoft-Windows-Application-Experience/Program-Telemetry",
            "Microsoft-Windows-Application-Experience/Program-Compatibility-Assistant",
        ],
    },
    Service {
        service: "ntfs",
        channels: &["Microsoft-Windows-Ntfs/Operational"],
    },
    Service {
        service: "hyper-v-worker",
        channels: &["Microsoft-Windows-Hyper-V-Worker"],
    },
    Service {
        service: "kernel-event-tracing",
        channels: &["Microsoft-Windows-Kernel-EventTracing"],
    },
    Service {
        service: "sense",
        channels: &["Microsoft-Windows-SENSE/Operational"],
    },
    Service {
        service: "servicebus-client",
        channels: &[
            "Microsoft-ServiceBus-Client/Admin",
            "Microsoft-ServiceBus-Client/Operational",
        ],
    },
    Service {
        service: "iis-configuration",
        channels: &["Microsoft-IIS-Configuration/Operational"],
    },
];

/// How messages name the channels of some services ("Sysmon event 1", "Security event 4688").
const SERVICE_LABELS: &[ServiceLabel] = &[
    ServiceLabel {
        service: "sysmon",
        label: "Sysmon",
    },
    ServiceLabel {
        service: "security",
        label: "Security",
    },
    ServiceLabel {
        service: "system",
        label: "System",
    },
    ServiceLabel {
        service: "application",
        label: "Application",
    },
    ServiceLabel {
        service: "powershell",
        label: "PowerShell",
    },
    ServiceLabel {
        service: "powershell-classic",
        label: "Windows PowerShell",
    },
    ServiceLabel {
        service: "windefend",
        label: "Defender",
    },
    ServiceLabel {
        service: "taskscheduler",
        label: "Task Scheduler",
    },
    ServiceLabel {
        service: "wmi",
        label: "WMI-Activity",
    },
];

/// The built-in entries, in thor.yml's order of kinds: Sysmon categories, the event 12 split,
/// other categories, services.
pub(super) fn entries() -> Vec<LogSourceEntry> {
    let windows = Some("windows".to_string());
    let mut entries = Vec::new();
    let category =
        |category: &str, product: Option<String>, ids: &[i64], service: &str| LogSourceEntry {
            name: category.to_string(),
            category: Some(category.to_string()),
            product,
            service: None,
            event_ids: ids.to_vec(),
            conditions: Vec::new(),
            rewrite_service: Some(service.to_string()),
            channels: Vec::new(),
            field_mappings: Arc::default(),
        };
    for row in SYSMON_CATEGORIES {
        entries.push(category(
            row.category,
            windows.clone(),
            row.event_ids,
            "sysmon",
        ));
    }
    for row in SYSMON_REGISTRY_12 {
        let mut e = category(row.category, windows.clone(), &[12], "sysmon");
        e.conditions
            .push(("EventType".into(), vec![row.event_type.to_string()]));
        entries.push(e);
    }
    for row in OTHER_CATEGORIES {
        let mut e = category(
            row.category,
            row.product.map(str::to_string),
            row.event_ids,
            row.service,
        );
        e.field_mappings = Arc::new(
            row.field_mappings
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        );
        entries.push(e);
    }
    for row in SERVICES {
        entries.push(LogSourceEntry {
            name: format!("windows-{}", row.service),
            category: None,
            product: windows.clone(),
            service: Some(row.service.to_string()),
            event_ids: Vec::new(),
            conditions: Vec::new(),
            rewrite_service: None,
            channels: row.channels.iter().map(|c| c.to_string()).collect(),
            field_mappings: Arc::default(),
        });
    }
    entries
}

/// How messages name the channels of `service` (lowercase), if it has a short name.
pub(super) fn service_label(service: &str) -> Option<&'static str> {
    SERVICE_LABELS
        .iter()
        .find(|row| row.service == service)
        .map(|row| row.label)
}
