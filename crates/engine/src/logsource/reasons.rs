//! Why an event does not fit a rule's log source, in words a user understands ("the rule is for
//! process_creation (Sysmon event 1 or Security event 4688); this event is Sysmon event 11").

use super::{Inner, LogSourceMap};
use crate::event::Event;
use crate::rule::LogSource;

impl Inner {
    /// The reason of a `DoesNotFit` verdict.
    pub(super) fn reason(&self, ls: &LogSource, event: &Event) -> String {
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

    /// "Sysmon event 1 or Security event 4688".
    pub(super) fn describe_entries(&self, idx: &[usize]) -> String {
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
