//! A reader for SigmaHQ's `tests/thor.yml`, the file the built-in taxonomy was written from:
//! only the tests use it, to check the two agree.

use super::{LogSourceEntry, LogSourceMap};
use std::sync::Arc;

impl LogSourceMap {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{cat, ls, shared, svc, win, SYSMON};
    use crate::{LogSource, LogSourceFit};
    use std::collections::BTreeSet;

    /// One row per (entry, event id): merged and split entries compare equal.
    fn canonical(entries: &[LogSourceEntry]) -> BTreeSet<String> {
        let mut rows = BTreeSet::new();
        for e in entries {
            let mut conds: Vec<String> = e
                .conditions
                .iter()
                .map(|(f, v)| format!("{f}={v:?}"))
                .collect();
            conds.sort();
            let mut maps: Vec<String> = e
                .field_mappings
                .iter()
                .map(|(a, b)| format!("{a}<-{b}"))
                .collect();
            maps.sort();
            let mut channels = e.channels.clone();
            channels.sort();
            let ids: Vec<String> = if e.event_ids.is_empty() {
                vec!["*".into()]
            } else {
                e.event_ids.iter().map(i64::to_string).collect()
            };
            for id in ids {
                rows.insert(format!(
                    "category={:?} product={:?} service={:?} id={id} conditions={conds:?} rewrite={:?} channels={channels:?} mappings={maps:?}",
                    e.category, e.product, e.service, e.rewrite_service
                ));
            }
        }
        rows
    }

    #[test]
    fn builtin_agrees_with_thor_yml() {
        let Some(shared) = shared() else { return };
        let text = std::fs::read_to_string(shared.join("corpus/sigmahq/tests/thor.yml")).unwrap();
        let thor = LogSourceMap::from_thor_yaml(&text).unwrap();
        let builtin = LogSourceMap::builtin();
        let (a, b) = (canonical(thor.entries()), canonical(builtin.entries()));
        let only_thor: Vec<_> = a.difference(&b).collect();
        let only_builtin: Vec<_> = b.difference(&a).collect();
        assert!(
            only_thor.is_empty() && only_builtin.is_empty(),
            "only in thor.yml: {only_thor:#?}\nonly in builtin: {only_builtin:#?}"
        );
        // Every Windows entry of thor.yml was read (apache, linux and file entries are not Windows).
        let names: Vec<&str> = thor.entries().iter().map(|e| e.name.as_str()).collect();
        assert!(
            names.contains(&"process_creation_2")
                && names.contains(&"windows-defender-antivirus-mapping")
        );
        assert!(!names.iter().any(|n| [
            "apache",
            "linux-auth",
            "linux-syslog",
            "logfiles",
            "logfiles-appliances"
        ]
        .contains(n)));
        assert_eq!(names.len(), 86, "{names:?}");

        // And they behave the same: routing keys for every category and service.
        let mut sources: Vec<LogSource> = Vec::new();
        for e in thor.entries() {
            if let Some(c) = &e.category {
                sources.push(ls(Some(c), e.product.as_deref(), None));
                sources.push(ls(Some(c), None, None));
            }
            if let Some(s) = &e.service {
                sources.push(svc(s));
            }
        }
        for s in &sources {
            let norm = |k: Option<Vec<(Option<String>, Option<i64>)>>| {
                k.map(|v| v.into_iter().collect::<BTreeSet<_>>())
            };
            assert_eq!(
                norm(thor.route_keys(s)),
                norm(builtin.route_keys(s)),
                "{s:?}"
            );
        }
        println!("{} rows, {} log sources agree", a.len(), sources.len());
    }

    #[test]
    fn from_thor_yaml_errors() {
        assert!(LogSourceMap::from_thor_yaml("a: [")
            .unwrap_err()
            .contains("YAML"));
        assert!(LogSourceMap::from_thor_yaml("title: x")
            .unwrap_err()
            .contains("logsources"));
        let bad = "logsources:\n  x:\n    category: c\n    product: windows\n    conditions:\n      EventID: one\n";
        assert!(LogSourceMap::from_thor_yaml(bad)
            .unwrap_err()
            .contains("EventID"));
        let small = "logsources:\n  pc:\n    category: process_creation\n    product: windows\n    conditions:\n      EventID: [1, 2]\n    rewrite:\n      product: windows\n      service: sysmon\n  s:\n    product: windows\n    service: sysmon\n    sources: ['WinEventLog:Microsoft-Windows-Sysmon/Operational']\n";
        let map = LogSourceMap::from_thor_yaml(small).unwrap();
        assert_eq!(map.entries().len(), 2);
        assert_eq!(
            map.fit(&cat("process_creation"), &win(SYSMON, 2, "")),
            LogSourceFit::Fits {
                field_mappings: Default::default()
            }
        );
    }
}
