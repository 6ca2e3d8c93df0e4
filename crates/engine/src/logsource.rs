//! Log sources: which events a rule applies to.
//!
//! A Sigma rule names its events abstractly (`product: windows`, `category: process_creation`,
//! `service: security`). For Windows the mapping to concrete events is the Sigma taxonomy, as SigmaHQ's
//! `tests/thor.yml` writes it down and the regression tests apply it:
//!
//! - a **category** means one or more condition sets (`EventID`, sometimes another field such as
//!   `EventType: CreateKey`) rewritten to a service, e.g. `process_creation` = Sysmon event 1, or
//!   Security event 4688 read with `Image ← NewProcessName`, `ParentImage ← ParentProcessName`;
//! - a **service** means a list of channels (`security` → `Security`, `sysmon` →
//!   `Microsoft-Windows-Sysmon/Operational`, …).
//!
//! [`LogSourceMap::fit`] decides for one rule and one event:
//! - the rule's `product` must be `windows` or absent, else the map knows nothing: `Unknown`;
//! - an event with neither a Channel nor an EventID (a pasted generic JSON object) is `Unknown`: the
//!   map cannot tell, and the rule is evaluated as is;
//! - category: the event must satisfy one of the category's condition sets, and, when it has a
//!   Channel, be in a channel of the rewritten service. An event **without** a Channel that satisfies
//!   the conditions fits: Sysmon events pasted as flat JSON often carry `EventID` but no `Channel`.
//!   A category the map does not know (`webserver`, …) is `Unknown`. When the rule also names a
//!   service, the event's Channel must belong to it too;
//! - service only: the event's Channel must be one of the service's channels (case-insensitive); an
//!   event without a Channel is `Unknown`; a service the map does not know is `Unknown`;
//! - `product: windows` alone fits any event with a Channel or an EventID.
//!
//! An event's channel is [`Event::channel`] (`System_Channel` wins over `Channel`), its id
//! [`Event::event_id`].
//!
//! For bulk evaluation, [`LogSourceMap::route_keys`] and [`LogSourceMap::event_key`] let a rule set
//! index rules by (channel, event id), and [`RouteIndex`] is such an index, consistent with `fit`.
//! `fit` allocates only the reason of `DoesNotFit` (the mappings are a shared `Arc`);
//! [`LogSourceMap::check`] gives the verdict without the reason and borrows the mappings.
use crate::event::{Event, FieldValue};
use crate::rule::LogSource;
use serde::{Serialize, Serializer};
use std::collections::HashMap;
use std::sync::Arc;

/// Field renames a log source applies (rule field → event field). Shared: cloning is a reference
/// count increment, so [`LogSourceMap::fit`] does not allocate when an event fits.
pub type FieldMappings = Arc<Vec<(String, String)>>;

/// Whether an event belongs to a rule's log source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "fit", rename_all = "snake_case")]
pub enum LogSourceFit {
    /// The event belongs; `field_mappings` are renames to apply (rule field → event field).
    Fits {
        #[serde(serialize_with = "serialize_mappings")]
        field_mappings: FieldMappings,
    },
    /// The event does not belong, with a reason a user understands.
    DoesNotFit { reason: String },
    /// The mapping knows nothing about this log source or event; evaluated as is.
    Unknown,
}

/// The verdict of [`LogSourceMap::check`]: [`LogSourceFit`] without the reason, mappings borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FitCheck<'m> {
    Fits(&'m FieldMappings),
    DoesNotFit,
    Unknown,
}

impl FitCheck<'_> {
    /// True unless the event does not belong.
    pub fn is_evaluated(&self) -> bool {
        !matches!(self, FitCheck::DoesNotFit)
    }
}

fn serialize_mappings<S: Serializer>(m: &FieldMappings, s: S) -> Result<S::Ok, S::Error> {
    m.as_slice().serialize(s)
}

impl LogSourceFit {
    /// True unless the event does not belong (`Fits` and `Unknown` are both evaluated).
    pub fn is_evaluated(&self) -> bool {
        !matches!(self, LogSourceFit::DoesNotFit { .. })
    }
}

/// One entry of the mapping, as in thor.yml: a category (conditions, rewritten to a service) or a
/// service (its channels).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogSourceEntry {
    /// The entry's key in thor.yml (`process_creation_2`, `windows-security`, …).
    pub name: String,
    pub category: Option<String>,
    pub product: Option<String>,
    pub service: Option<String>,
    /// `conditions.EventID`: the event must have one of these ids (empty: any).
    pub event_ids: Vec<i64>,
    /// Other conditions: the event field must equal one of the values (ASCII case-insensitive).
    pub conditions: Vec<(String, Vec<String>)>,
    /// `rewrite.service`: the service whose channels the events come from.
    pub rewrite_service: Option<String>,
    /// `sources` (`WinEventLog:` removed): the channels of a service entry.
    pub channels: Vec<String>,
    pub field_mappings: FieldMappings,
}

/// The log source mapping: [`LogSourceMap::builtin`] (the Sigma taxonomy for Windows) or one read
/// from a thor.yml-style file ([`LogSourceMap::from_thor_yaml`]).
///
/// Cloning is cheap (the tables are shared), and [`LogSourceMap::builtin`] is built once.
#[derive(Clone, Debug, Default)]
pub struct LogSourceMap {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: Vec<LogSourceEntry>,
    /// Per entry: the channels its events must come from (`None`: any channel).
    channels: Vec<Option<Arc<[String]>>>,
    /// Lowercase category → (entry indices, description for messages).
    categories: HashMap<String, (Vec<usize>, String)>,
    /// Lowercase service → entry index.
    services: HashMap<String, usize>,
    /// Lowercase channel → how messages name it (`Sysmon`, `Security`, …).
    channel_labels: HashMap<String, String>,
    empty: FieldMappings,
}

// ---------------------------------------------------------------------------------------------
// The built-in table: the Sigma taxonomy for Windows (same content as SigmaHQ's tests/thor.yml).

/// Categories rewritten to `service: sysmon`: category → Sysmon event ids.
const SYSMON_CATEGORIES: &[(&str, &[i64])] = &[
    ("process_creation", &[1]),
    ("file_change", &[2]),
    ("network_connection", &[3]),
    ("sysmon_status", &[4, 16]),
    ("process_termination", &[5]),
    ("driver_load", &[6]),
    ("image_load", &[7]),
    ("create_remote_thread", &[8]),
    ("raw_access_thread", &[9]),
    ("process_access", &[10]),
    ("file_event", &[11]),
    ("registry_event", &[12, 13, 14]),
    ("registry_set", &[13]),
    ("registry_rename", &[14]),
    ("create_stream_hash", &[15]),
    ("pipe_created", &[17, 18]),
    ("wmi_event", &[19, 20, 21]),
    ("dns_query", &[22]),
    ("file_delete", &[23]),
    ("clipboard_change", &[24]),
    ("process_tampering", &[25]),
    ("file_delete_detected", &[26]),
    ("file_block_executable", &[27]),
    ("file_block_shredding", &[28]),
    ("file_executable_detected", &[29]),
    ("sysmon_error", &[255]),
];

/// Sysmon event 12 split by `EventType`: (category, EventType).
const SYSMON_REGISTRY_12: &[(&str, &str)] = &[
    ("registry_add", "CreateKey"),
    ("registry_delete", "DeleteKey"),
    ("registry_delete", "DeleteValue"),
];

/// Other categories: (category, product, event ids, service, field mappings).
type OtherCategory = (
    &'static str,
    Option<&'static str>,
    &'static [i64],
    &'static str,
    &'static [(&'static str, &'static str)],
);
const OTHER_CATEGORIES: &[OtherCategory] = &[
    (
        "process_creation",
        Some("windows"),
        &[4688],
        "security",
        &[
            ("Image", "NewProcessName"),
            ("ParentImage", "ParentProcessName"),
        ],
    ),
    ("ps_module", Some("windows"), &[4103], "powershell", &[]),
    ("ps_script", Some("windows"), &[4104], "powershell", &[]),
    (
        "ps_classic_start",
        Some("windows"),
        &[400],
        "powershell-classic",
        &[],
    ),
    (
        "ps_classic_provider_start",
        Some("windows"),
        &[600],
        "powershell-classic",
        &[],
    ),
    (
        "ps_classic_script",
        Some("windows"),
        &[800],
        "powershell-classic",
        &[],
    ),
    // Defender detections with a 'Threat Name' or 'Path'; thor.yml gives this entry no product.
    (
        "antivirus",
        None,
        &[
            1006, 1007, 1008, 1009, 1010, 1011, 1012, 1017, 1018, 1019, 1115, 1116,
        ],
        "windefend",
        &[("Signature", "ThreatName"), ("Filename", "Path")],
    ),
];

/// Services: service → channels.
const SERVICES: &[(&str, &[&str])] = &[
    ("application", &["Application"]),
    ("security", &["Security"]),
    ("system", &["System"]),
    ("ntlm", &["Microsoft-Windows-NTLM/Operational"]),
    ("sysmon", &["Microsoft-Windows-Sysmon/Operational"]),
    (
        "powershell",
        &[
            "Microsoft-Windows-PowerShell/Operational",
            "PowerShellCore/Operational",
        ],
    ),
    ("powershell-classic", &["Windows PowerShell"]),
    (
        "taskscheduler",
        &["Microsoft-Windows-TaskScheduler/Operational"],
    ),
    ("wmi", &["Microsoft-Windows-WMI-Activity/Operational"]),
    ("dhcp", &["Microsoft-Windows-DHCP-Server/Operational"]),
    (
        "printservice-admin",
        &["Microsoft-Windows-PrintService/Admin"],
    ),
    (
        "smbclient-security",
        &["Microsoft-Windows-SmbClient/Security"],
    ),
    (
        "smbclient-connectivity",
        &["Microsoft-Windows-SmbClient/Connectivity"],
    ),
    (
        "smbserver-connectivity",
        &["Microsoft-Windows-SMBServer/Connectivity"],
    ),
    (
        "printservice-operational",
        &["Microsoft-Windows-PrintService/Operational"],
    ),
    (
        "terminalservices-localsessionmanager",
        &["Microsoft-Windows-TerminalServices-LocalSessionManager/Operational"],
    ),
    (
        "codeintegrity-operational",
        &["Microsoft-Windows-CodeIntegrity/Operational"],
    ),
    (
        "applocker",
        &[
            "Microsoft-Windows-AppLocker/MSI and Script",
            "Microsoft-Windows-AppLocker/EXE and DLL",
            "Microsoft-Windows-AppLocker/Packaged app-Deployment",
            "Microsoft-Windows-AppLocker/Packaged app-Execution",
        ],
    ),
    ("msexchange-management", &["MSExchange Management"]),
    (
        "windefend",
        &["Microsoft-Windows-Windows Defender/Operational"],
    ),
    (
        "firewall-as",
        &["Microsoft-Windows-Windows Firewall With Advanced Security/Firewall"],
    ),
    (
        "bits-client",
        &["Microsoft-Windows-Bits-Client/Operational"],
    ),
    (
        "security-mitigations",
        &[
            "Microsoft-Windows-Security-Mitigations/Kernel Mode",
            "Microsoft-Windows-Security-Mitigations/User Mode",
        ],
    ),
    (
        "diagnosis-scripted",
        &["Microsoft-Windows-Diagnosis-Scripted/Operational"],
    ),
    ("shell-core", &["Microsoft-Windows-Shell-Core/Operational"]),
    ("openssh", &["OpenSSH/Operational"]),
    ("ldap", &["Microsoft-Windows-LDAP-Client/Debug"]),
    (
        "bitlocker",
        &["Microsoft-Windows-BitLocker/BitLocker Management"],
    ),
    ("vhdmp", &["Microsoft-Windows-VHDMP/Operational"]),
    (
        "appxdeployment-server",
        &["Microsoft-Windows-AppXDeploymentServer/Operational"],
    ),
    ("lsa-server", &["Microsoft-Windows-LSA/Operational"]),
    (
        "appxpackaging-om",
        &["Microsoft-Windows-AppxPackaging/Operational"],
    ),
    (
        "dns-client",
        &["Microsoft-Windows-DNS Client Events/Operational"],
    ),
    (
        "appmodel-runtime",
        &["Microsoft-Windows-AppModel-Runtime/Admin"],
    ),
    ("capi2", &["Microsoft-Windows-CAPI2/Operational"]),
    (
        "certificateservicesclient-lifecycle-system",
        &["Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational"],
    ),
    (
        "kernel-shimengine",
        &[
            "Microsoft-Windows-Kernel-ShimEngine/Operational",
            "Microsoft-Windows-Kernel-ShimEngine/Diagnostic",
        ],
    ),
    (
        "application-experience",
        &[
            "Microsoft-Windows-Application-Experience/Program-Telemetry",
            "Microsoft-Windows-Application-Experience/Program-Compatibility-Assistant",
        ],
    ),
    ("ntfs", &["Microsoft-Windows-Ntfs/Operational"]),
    ("hyper-v-worker", &["Microsoft-Windows-Hyper-V-Worker"]),
    (
        "kernel-event-tracing",
        &["Microsoft-Windows-Kernel-EventTracing"],
    ),
    ("sense", &["Microsoft-Windows-SENSE/Operational"]),
    (
        "servicebus-client",
        &[
            "Microsoft-ServiceBus-Client/Admin",
            "Microsoft-ServiceBus-Client/Operational",
        ],
    ),
    (
        "iis-configuration",
        &["Microsoft-IIS-Configuration/Operational"],
    ),
];

/// How messages name the channels of some services ("Sysmon event 1", "Security event 4688").
const SERVICE_LABELS: &[(&str, &str)] = &[
    ("sysmon", "Sysmon"),
    ("security", "Security"),
    ("system", "System"),
    ("application", "Application"),
    ("powershell", "PowerShell"),
    ("powershell-classic", "Windows PowerShell"),
    ("windefend", "Defender"),
    ("taskscheduler", "Task Scheduler"),
    ("wmi", "WMI-Activity"),
];

fn strs(v: &[(&str, &str)]) -> FieldMappings {
    Arc::new(
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
    )
}

impl LogSourceMap {
    /// The Sigma taxonomy for Windows (the content of SigmaHQ's `tests/thor.yml` for Windows).
    pub fn builtin() -> LogSourceMap {
        static BUILTIN: std::sync::OnceLock<LogSourceMap> = std::sync::OnceLock::new();
        BUILTIN.get_or_init(LogSourceMap::build_builtin).clone()
    }

    fn build_builtin() -> LogSourceMap {
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
        for (cat, ids) in SYSMON_CATEGORIES {
            entries.push(category(cat, windows.clone(), ids, "sysmon"));
        }
        for (cat, event_type) in SYSMON_REGISTRY_12 {
            let mut e = category(cat, windows.clone(), &[12], "sysmon");
            e.conditions
                .push(("EventType".into(), vec![event_type.to_string()]));
            entries.push(e);
        }
        for (cat, product, ids, service, mappings) in OTHER_CATEGORIES {
            let mut e = category(cat, product.map(str::to_string), ids, service);
            e.field_mappings = strs(mappings);
            entries.push(e);
        }
        for (service, channels) in SERVICES {
            entries.push(LogSourceEntry {
                name: format!("windows-{service}"),
                category: None,
                product: windows.clone(),
                service: Some(service.to_string()),
                event_ids: Vec::new(),
                conditions: Vec::new(),
                rewrite_service: None,
                channels: channels.iter().map(|c| c.to_string()).collect(),
                field_mappings: Arc::default(),
            });
        }
        LogSourceMap::from_entries(entries)
    }

    /// Reads a thor.yml-style mapping: `logsources: {<name>: {category, product, service,
    /// conditions: {EventID: 1 | [..], Field: value | [..]}, rewrite: {product, service},
    /// fieldmappings: {RuleField: EventField}, sources: ["WinEventLog:<Channel>", ..]}}`.
    /// Entries that are not about Windows (file sources, `product: linux`) are left out.
    pub fn from_thor_yaml(text: &str) -> Result<LogSourceMap, String> {
        use serde_yaml::Value as Y;
        let root: Y = serde_yaml::from_str(text).map_err(|e| format!("not valid YAML: {e}"))?;
        let Some(Y::Mapping(logsources)) = root.get("logsources") else {
            return Err("expected a `logsources` mapping at the top level".into());
        };
        fn scalar(v: &Y) -> Option<String> {
            match v {
                Y::String(s) => Some(s.clone()),
                Y::Number(n) => Some(n.to_string()),
                Y::Bool(b) => Some(b.to_string()),
                _ => None,
            }
        }
        fn text_field(body: &Y, key: &str, name: &str) -> Result<Option<String>, String> {
            match body.get(key) {
                None | Some(Y::Null) => Ok(None),
                Some(v) => scalar(v)
                    .map(Some)
                    .ok_or_else(|| format!("logsources.{name}.{key} must be a string")),
            }
        }
        let mut entries = Vec::new();
        for (key, body) in logsources {
            let name = scalar(key).ok_or("logsources keys must be strings")?;
            if !body.is_mapping() {
                return Err(format!("logsources.{name} must be a mapping"));
            }
            let mut entry = LogSourceEntry {
                name: name.clone(),
                category: text_field(body, "category", &name)?,
                product: text_field(body, "product", &name)?,
                service: text_field(body, "service", &name)?,
                event_ids: Vec::new(),
                conditions: Vec::new(),
                rewrite_service: None,
                channels: Vec::new(),
                field_mappings: Arc::default(),
            };
            let mut rewrite_product = None;
            match body.get("rewrite") {
                None | Some(Y::Null) => {}
                Some(rw @ Y::Mapping(_)) => {
                    rewrite_product = text_field(rw, "product", &format!("{name}.rewrite"))?;
                    entry.rewrite_service = text_field(rw, "service", &format!("{name}.rewrite"))?;
                }
                Some(_) => return Err(format!("logsources.{name}.rewrite must be a mapping")),
            }
            match body.get("conditions") {
                None | Some(Y::Null) => {}
                Some(Y::Mapping(conds)) => {
                    for (field, v) in conds {
                        let field = scalar(field).ok_or_else(|| {
                            format!("logsources.{name}.conditions keys must be strings")
                        })?;
                        let values: Vec<String> = match v {
                            Y::Sequence(items) => items.iter().map(scalar).collect::<Option<_>>(),
                            other => scalar(other).map(|s| vec![s]),
                        }
                        .ok_or_else(|| format!("logsources.{name}.conditions.{field} must be a value or a list of values"))?;
                        if field == "EventID" {
                            for v in values {
                                let id = v.trim().parse::<i64>().map_err(|_| {
                                    format!("logsources.{name}.conditions.EventID: '{v}' is not an event id")
                                })?;
                                entry.event_ids.push(id);
                            }
                        } else {
                            entry.conditions.push((field, values));
                        }
                    }
                }
                Some(_) => return Err(format!("logsources.{name}.conditions must be a mapping")),
            }
            match body.get("fieldmappings") {
                None | Some(Y::Null) => {}
                Some(Y::Mapping(m)) => {
                    let mut mappings = Vec::new();
                    for (from, to) in m {
                        match (scalar(from), scalar(to)) {
                            (Some(f), Some(t)) => mappings.push((f, t)),
                            _ => {
                                return Err(format!(
                                    "logsources.{name}.fieldmappings must map names to names"
                                ))
                            }
                        }
                    }
                    entry.field_mappings = Arc::new(mappings);
                }
                Some(_) => {
                    return Err(format!("logsources.{name}.fieldmappings must be a mapping"))
                }
            }
            let mut other_sources = false;
            match body.get("sources") {
                None | Some(Y::Null) => {}
                Some(Y::Sequence(items)) => {
                    for item in items {
                        let s = scalar(item)
                            .ok_or_else(|| format!("logsources.{name}.sources must be strings"))?;
                        match s.strip_prefix("WinEventLog:") {
                            Some(channel) => entry.channels.push(channel.to_string()),
                            None => other_sources = true,
                        }
                    }
                }
                Some(_) => return Err(format!("logsources.{name}.sources must be a list")),
            }
            let is_windows = |p: &Option<String>| {
                p.as_deref()
                    .is_some_and(|p| p.eq_ignore_ascii_case("windows"))
            };
            let windows = is_windows(&entry.product)
                || is_windows(&rewrite_product)
                || !entry.channels.is_empty()
                || (entry.product.is_none() && !other_sources && !entry.event_ids.is_empty());
            if windows {
                entries.push(entry);
            }
        }
        Ok(LogSourceMap::from_entries(entries))
    }

    /// Builds the lookup tables.
    fn from_entries(entries: Vec<LogSourceEntry>) -> LogSourceMap {
        let mut services = HashMap::new();
        let mut categories: HashMap<String, (Vec<usize>, String)> = HashMap::new();
        let mut channel_labels = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            if let (Some(service), None) = (&e.service, &e.category) {
                let key = service.to_ascii_lowercase();
                services.entry(key.clone()).or_insert(i);
                let label = SERVICE_LABELS
                    .iter()
                    .find(|(s, _)| *s == key)
                    .map(|(_, l)| l.to_string());
                for ch in &e.channels {
                    channel_labels
                        .entry(ch.to_ascii_lowercase())
                        .or_insert_with(|| label.clone().unwrap_or(ch.clone()));
                }
            }
        }
        let mut channels = Vec::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            let own: Option<Arc<[String]>> = if e.category.is_some() && !e.channels.is_empty() {
                Some(e.channels.clone().into())
            } else if e.category.is_some() {
                e.rewrite_service
                    .as_ref()
                    .and_then(|s| services.get(&s.to_ascii_lowercase()))
                    .map(|&j: &usize| entries[j].channels.clone().into())
            } else {
                Some(e.channels.clone().into())
            };
            channels.push(own);
            if let Some(cat) = &e.category {
                categories
                    .entry(cat.to_ascii_lowercase())
                    .or_default()
                    .0
                    .push(i);
            }
        }
        let mut map = Inner {
            entries,
            channels,
            categories,
            services,
            channel_labels,
            empty: Arc::default(),
        };
        let descriptions: Vec<(String, String)> = map
            .categories
            .iter()
            .map(|(cat, (idx, _))| (cat.clone(), map.describe_entries(idx)))
            .collect();
        for (cat, d) in descriptions {
            if let Some(c) = map.categories.get_mut(&cat) {
                c.1 = d;
            }
        }
        LogSourceMap {
            inner: Arc::new(map),
        }
    }

    /// The entries (Windows only), in file order.
    pub fn entries(&self) -> &[LogSourceEntry] {
        &self.inner.entries
    }

    /// The (channel, event id) of an event, as routing and [`LogSourceMap::fit`] see it.
    pub fn event_key(event: &Event) -> (Option<&str>, Option<i64>) {
        (event.channel(), event.event_id())
    }

    /// Whether `event` belongs to the log source `ls` (see the module documentation). Allocates
    /// only for the reason of `DoesNotFit`.
    pub fn fit(&self, ls: &LogSource, event: &Event) -> LogSourceFit {
        match self.inner.check(ls, event) {
            FitCheck::Fits(m) => LogSourceFit::Fits {
                field_mappings: m.clone(),
            },
            FitCheck::Unknown => LogSourceFit::Unknown,
            FitCheck::DoesNotFit => LogSourceFit::DoesNotFit {
                reason: self.inner.reason(ls, event),
            },
        }
    }

    /// [`LogSourceMap::fit`] without the reason and without touching a reference count (the
    /// mappings are borrowed from the map): for loops over many (rule, event) pairs.
    pub fn check(&self, ls: &LogSource, event: &Event) -> FitCheck<'_> {
        self.inner.check(ls, event)
    }

    /// The (channel, event id) pairs events of `ls` can have; `None` = unknown log source, evaluate
    /// the rule against every event. A `None` inside a pair is a wildcard (any channel / any id).
    ///
    /// To be consistent with [`LogSourceMap::fit`], an event matches a pair when its channel equals
    /// the pair's (ASCII case-insensitively) or either is `None`, and its id equals the pair's or
    /// the pair's is `None`; an event with neither channel nor id matches every rule (see
    /// [`route_matches`]). The pairs are necessary, not sufficient: `fit` still checks other
    /// conditions (`EventType`) and gives the field mappings.
    pub fn route_keys(&self, ls: &LogSource) -> Option<Vec<(Option<String>, Option<i64>)>> {
        self.inner.route_keys(ls)
    }
}

impl Inner {
    /// Whether the product lets this (Windows) mapping apply.
    fn windows_product(ls: &LogSource) -> bool {
        ls.product
            .as_deref()
            .is_none_or(|p| p.eq_ignore_ascii_case("windows"))
    }

    fn category(&self, cat: &str) -> Option<&(Vec<usize>, String)> {
        match self.categories.get(cat) {
            Some(c) => Some(c),
            None if cat.bytes().any(|b| b.is_ascii_uppercase()) => {
                self.categories.get(&cat.to_ascii_lowercase())
            }
            None => None,
        }
    }

    fn service(&self, service: &str) -> Option<usize> {
        match self.services.get(service) {
            Some(&i) => Some(i),
            None if service.bytes().any(|b| b.is_ascii_uppercase()) => {
                self.services.get(&service.to_ascii_lowercase()).copied()
            }
            None => None,
        }
    }

    fn check(&self, ls: &LogSource, event: &Event) -> FitCheck<'_> {
        let (channel, id) = LogSourceMap::event_key(event);
        if !Self::windows_product(ls) {
            // A Linux or cloud rule cannot fire on a Windows event (one with a channel); on any
            // other event the map knows nothing.
            return if channel.is_some() {
                FitCheck::DoesNotFit
            } else {
                FitCheck::Unknown
            };
        }
        match (&ls.category, &ls.service) {
            (Some(cat), service) => {
                let Some((idx, _)) = self.category(cat) else {
                    return FitCheck::Unknown;
                };
                if channel.is_none() && id.is_none() {
                    return FitCheck::Unknown;
                }
                let service_channels = service
                    .as_deref()
                    .and_then(|s| self.service(s))
                    .and_then(|i| self.channels[i].as_deref());
                for &i in idx {
                    if self.entry_fits(i, event, channel, id)
                        && channel
                            .is_none_or(|ch| service_channels.is_none_or(|chs| contains(chs, ch)))
                    {
                        return FitCheck::Fits(&self.entries[i].field_mappings);
                    }
                }
                FitCheck::DoesNotFit
            }
            (None, Some(service)) => {
                let Some(i) = self.service(service) else {
                    return FitCheck::Unknown;
                };
                let Some(ch) = channel else {
                    return FitCheck::Unknown;
                };
                match self.channels[i].as_deref() {
                    Some(chs) if !contains(chs, ch) => FitCheck::DoesNotFit,
                    _ => FitCheck::Fits(&self.empty),
                }
            }
            (None, None) => {
                if ls.product.is_some() && (channel.is_some() || id.is_some()) {
                    FitCheck::Fits(&self.empty)
                } else {
                    FitCheck::Unknown
                }
            }
        }
    }

    /// The reason of a `DoesNotFit` verdict.
    fn reason(&self, ls: &LogSource, event: &Event) -> String {
        let (channel, id) = LogSourceMap::event_key(event);
        if !Self::windows_product(ls) {
            return format!(
                "the rule is for product {}; this is a Windows event (channel {})",
                ls.product.as_deref().unwrap_or("?"),
                channel.unwrap_or("?")
            );
        }
        match (&ls.category, &ls.service) {
            (Some(cat), service) => {
                self.category_reason(cat, service.as_deref(), event, channel, id)
            }
            (None, Some(service)) => match self.service(service) {
                Some(i) => self.service_reason(i, channel, id),
                None => format!("the rule is for service {service}"),
            },
            (None, None) => "the rule is for Windows events".to_string(),
        }
    }

    fn entry_fits(&self, i: usize, event: &Event, channel: Option<&str>, id: Option<i64>) -> bool {
        let e = &self.entries[i];
        if !e.event_ids.is_empty() && !id.is_some_and(|id| e.event_ids.contains(&id)) {
            return false;
        }
        if !e.conditions.iter().all(|(field, values)| {
            event
                .get(field)
                .is_some_and(|v| values.iter().any(|x| equals(v, x)))
        }) {
            return false;
        }
        match (channel, &self.channels[i]) {
            (Some(ch), Some(chs)) => contains(chs, ch),
            _ => true,
        }
    }

    fn route_keys(&self, ls: &LogSource) -> Option<Vec<(Option<String>, Option<i64>)>> {
        if !Self::windows_product(ls) {
            return None;
        }
        let mut keys: Vec<(Option<String>, Option<i64>)> = Vec::new();
        let mut push = |k: (Option<String>, Option<i64>)| {
            if !keys.contains(&k) {
                keys.push(k);
            }
        };
        match (&ls.category, &ls.service) {
            (Some(cat), _) => {
                let (idx, _) = self.category(cat)?;
                for &i in idx {
                    let e = &self.entries[i];
                    let chans: Vec<Option<String>> = match &self.channels[i] {
                        Some(chs) if !chs.is_empty() => {
                            chs.iter().map(|c| Some(c.clone())).collect()
                        }
                        _ => vec![None],
                    };
                    let ids: Vec<Option<i64>> = if e.event_ids.is_empty() {
                        vec![None]
                    } else {
                        e.event_ids.iter().map(|&i| Some(i)).collect()
                    };
                    for c in &chans {
                        for id in &ids {
                            push((c.clone(), *id));
                        }
                    }
                }
            }
            (None, Some(service)) => {
                let i = self.service(service)?;
                for c in self.channels[i].as_deref().unwrap_or(&[]) {
                    push((Some(c.clone()), None));
                }
                if keys.is_empty() {
                    return None;
                }
            }
            (None, None) => return None,
        }
        Some(keys)
    }

    // -- messages ---------------------------------------------------------------------------

    /// "Sysmon event 1 or Security event 4688".
    fn describe_entries(&self, idx: &[usize]) -> String {
        let mut parts: Vec<(String, Vec<i64>, String)> = Vec::new();
        for &i in idx {
            let e = &self.entries[i];
            let source = match &self.channels[i] {
                Some(chs) if !chs.is_empty() => self.channel_label(&chs[0]).to_string(),
                _ => String::new(),
            };
            let cond: Vec<String> = e
                .conditions
                .iter()
                .map(|(f, v)| format!("{f} {}", v.join(" or ")))
                .collect();
            let cond = if cond.is_empty() {
                String::new()
            } else {
                format!(" with {}", cond.join(" and "))
            };
            match parts
                .iter_mut()
                .find(|(s, _, c)| *s == source && c.is_empty() && cond.is_empty())
            {
                Some(p) => p.1.extend(&e.event_ids),
                None => parts.push((source, e.event_ids.clone(), cond)),
            }
        }
        let parts: Vec<String> = parts
            .into_iter()
            .map(|(source, ids, cond)| {
                let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
                let what = match (source.is_empty(), ids.is_empty()) {
                    (false, false) => format!("{source} event {}", or_list(&ids)),
                    (false, true) => format!("{source} events"),
                    (true, false) => format!("event {}", or_list(&ids)),
                    (true, true) => "any event".to_string(),
                };
                format!("{what}{cond}")
            })
            .collect();
        or_list(&parts)
    }

    fn channel_label<'a>(&'a self, channel: &'a str) -> &'a str {
        self.channel_labels
            .get(&channel.to_ascii_lowercase())
            .map_or(channel, String::as_str)
    }

    /// "Sysmon event 11", "event 11 (it has no Channel)", "from channel X (no EventID)".
    fn describe_event(&self, channel: Option<&str>, id: Option<i64>) -> String {
        match (channel, id) {
            (Some(ch), Some(id)) => format!("{} event {id}", self.channel_label(ch)),
            (Some(ch), None) => format!("from channel {ch} and has no EventID"),
            (None, Some(id)) => format!("event {id} (it has no Channel)"),
            (None, None) => "without Channel and EventID".to_string(),
        }
    }

    fn category_reason(
        &self,
        cat: &str,
        service: Option<&str>,
        event: &Event,
        channel: Option<&str>,
        id: Option<i64>,
    ) -> String {
        let (idx, desc) = match self.category(cat) {
            Some(c) => c,
            None => return format!("the rule is for {cat}"),
        };
        let mut what = self.describe_event(channel, id);
        // Name the other condition fields when the id matched but they did not.
        let mut shown: Vec<&str> = Vec::new();
        for &i in idx {
            let e = &self.entries[i];
            if e.event_ids.is_empty() || id.is_some_and(|id| e.event_ids.contains(&id)) {
                for (field, _) in &e.conditions {
                    if !shown.contains(&field.as_str()) {
                        shown.push(field);
                        match event.get(field) {
                            Some(v) => what.push_str(&format!(" with {field} {}", v.display())),
                            None => what.push_str(&format!(" without {field}")),
                        }
                    }
                }
            }
        }
        let mut reason = format!("the rule is for {cat} ({desc})");
        if let Some(s) = service {
            reason.push_str(&format!(" in service {s}"));
        }
        format!("{reason}; this event is {what}")
    }

    fn service_reason(&self, i: usize, channel: Option<&str>, id: Option<i64>) -> String {
        let e = &self.entries[i];
        let service = e.service.as_deref().unwrap_or("?");
        let chans: Vec<String> = e.channels.clone();
        let plural = if chans.len() == 1 {
            "channel"
        } else {
            "channels"
        };
        let ev = match (channel, id) {
            (Some(ch), Some(id)) if self.channel_label(ch) != ch => {
                format!("{} event {id} (channel {ch})", self.channel_label(ch))
            }
            (Some(ch), Some(id)) => format!("event {id} from channel {ch}"),
            _ => self.describe_event(channel, id),
        };
        format!(
            "the rule is for service {service} ({plural} {}); this event is {ev}",
            or_list(&chans)
        )
    }
}

/// "a", "a or b", "a, b or c".
fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn contains(channels: &[String], channel: &str) -> bool {
    channels.iter().any(|c| c.eq_ignore_ascii_case(channel))
}

/// An event value equals a condition value (ASCII case-insensitive; numbers by value).
fn equals(v: &FieldValue, want: &str) -> bool {
    match v {
        FieldValue::Str(t) => t.raw().eq_ignore_ascii_case(want),
        FieldValue::Int(i) => want.trim().parse::<i64>() == Ok(*i),
        FieldValue::UInt(u) => want.trim().parse::<u64>() == Ok(*u),
        FieldValue::Float(f) => want.trim().parse::<f64>() == Ok(*f),
        FieldValue::Bool(b) => want.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
        FieldValue::List(items) => items.iter().any(|i| equals(i, want)),
        FieldValue::Null => false,
    }
}

/// Whether an event with key `event` (from [`LogSourceMap::event_key`]) can fit a log source whose
/// [`LogSourceMap::route_keys`] are `keys` (`None`: every event).
pub fn route_matches(
    keys: Option<&[(Option<String>, Option<i64>)]>,
    event: (Option<&str>, Option<i64>),
) -> bool {
    let Some(keys) = keys else { return true };
    match event {
        (None, None) => true,
        (channel, id) => keys.iter().any(|(c, i)| {
            let channel_ok = match (c, channel) {
                (Some(c), Some(ch)) => c.eq_ignore_ascii_case(ch),
                _ => true,
            };
            channel_ok && i.is_none_or(|i| Some(i) == id)
        }),
    }
}

/// Rules indexed by the (channel, event id) pairs of their log sources: for one event,
/// [`RouteIndex::candidates`] gives the rules whose log source it can fit (a superset of those
/// for which [`LogSourceMap::fit`] is not `DoesNotFit`, in ascending order), without looking at the
/// others.
#[derive(Clone, Debug, Default)]
pub struct RouteIndex {
    len: usize,
    /// Rules with an unknown log source (`route_keys` = `None`) or a (None, None) pair.
    everywhere: Vec<usize>,
    /// lowercase channel → id → rules.
    channel_id: HashMap<String, HashMap<i64, Vec<usize>>>,
    /// lowercase channel → rules with (channel, None).
    channel_only: HashMap<String, Vec<usize>>,
    /// id → rules with (None, id).
    id_only: HashMap<i64, Vec<usize>>,
    /// id → rules with (any channel, id): for events without a Channel.
    id_any_channel: HashMap<i64, Vec<usize>>,
    /// Rules with some (channel, None) pair: for events without a Channel.
    some_channel_only: Vec<usize>,
}

impl RouteIndex {
    /// Indexes the log sources of rules `0..`, in order.
    pub fn new<'a>(
        map: &LogSourceMap,
        logsources: impl IntoIterator<Item = &'a LogSource>,
    ) -> RouteIndex {
        let mut ix = RouteIndex::default();
        for (rule, ls) in logsources.into_iter().enumerate() {
            ix.len = rule + 1;
            let Some(keys) = map.route_keys(ls) else {
                ix.everywhere.push(rule);
                continue;
            };
            for (channel, id) in keys {
                match (channel, id) {
                    (None, None) => ix.everywhere.push(rule),
                    (Some(c), Some(id)) => {
                        ix.channel_id
                            .entry(c.to_ascii_lowercase())
                            .or_default()
                            .entry(id)
                            .or_default()
                            .push(rule);
                        ix.id_any_channel.entry(id).or_default().push(rule);
                    }
                    (Some(c), None) => {
                        ix.channel_only
                            .entry(c.to_ascii_lowercase())
                            .or_default()
                            .push(rule);
                        ix.some_channel_only.push(rule);
                    }
                    (None, Some(id)) => {
                        ix.id_only.entry(id).or_default().push(rule);
                        ix.id_any_channel.entry(id).or_default().push(rule);
                    }
                }
            }
        }
        ix
    }

    /// Writes into `out` (cleared first) the rules `event` may fit, ascending, without duplicates.
    pub fn candidates(&self, event: &Event, out: &mut Vec<usize>) {
        out.clear();
        let (channel, id) = LogSourceMap::event_key(event);
        out.extend_from_slice(&self.everywhere);
        match (channel, id) {
            (None, None) => {
                out.clear();
                out.extend(0..self.len);
                return;
            }
            (Some(ch), id) => {
                let mut buf = [0u8; 128];
                let lower: std::borrow::Cow<'_, str> = if ch.len() <= buf.len() && ch.is_ascii() {
                    buf[..ch.len()].copy_from_slice(ch.as_bytes());
                    buf[..ch.len()].make_ascii_lowercase();
                    std::borrow::Cow::Borrowed(std::str::from_utf8(&buf[..ch.len()]).unwrap_or(ch))
                } else {
                    std::borrow::Cow::Owned(ch.to_ascii_lowercase())
                };
                if let Some(v) = self.channel_only.get(lower.as_ref()) {
                    out.extend_from_slice(v);
                }
                if let Some(id) = id {
                    if let Some(v) = self.channel_id.get(lower.as_ref()).and_then(|m| m.get(&id)) {
                        out.extend_from_slice(v);
                    }
                    if let Some(v) = self.id_only.get(&id) {
                        out.extend_from_slice(v);
                    }
                }
            }
            (None, Some(id)) => {
                out.extend_from_slice(&self.some_channel_only);
                if let Some(v) = self.id_any_channel.get(&id) {
                    out.extend_from_slice(v);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
    }
}
