//! JUnit XML for CI systems (the de-facto schema read by Jenkins, GitLab, GitHub actions reporters).
//!
//! One `<testsuite>` per rule test; in it a `rule` test case (fails on rule errors and on problems
//! such as a missing rule), then one test case per event that has an expectation or could not be
//! read: `event 3 (line 4) should fire`, then one per correlation group that has an expectation:
//! `Brute force {"User":"alice"} should alert`.

use crate::evaluator::Verdict;
use crate::report::{Outcome, TestReport};
use std::fmt::Write as _;

/// Renders reports as one JUnit XML document. `name` of each pair is the suite name (the file path).
pub fn junit_xml<'a>(suites: impl IntoIterator<Item = (&'a str, &'a TestReport)>) -> String {
    let suites: Vec<(&str, &TestReport)> = suites.into_iter().collect();
    let mut body = String::new();
    let (mut all_tests, mut all_failures, mut all_errors) = (0, 0, 0);
    for (name, report) in &suites {
        let mut cases = String::new();
        let (mut tests, mut failures, mut errors) = (1, 0, 0);

        // The rule itself.
        let rule_errors: Vec<String> = report.rule_errors().map(|d| d.render("rule")).collect();
        let _ = write!(
            cases,
            "    <testcase classname=\"{}\" name=\"rule\"",
            esc(name)
        );
        if rule_errors.is_empty() && report.problems.is_empty() {
            cases.push_str("/>\n");
        } else {
            failures += 1;
            let mut lines = rule_errors.clone();
            lines.extend(report.problems.iter().cloned());
            let message = if rule_errors.is_empty() {
                report.problems[0].clone()
            } else {
                format!("the rule has {} error(s)", rule_errors.len())
            };
            let _ = write!(
                cases,
                ">\n      <failure message=\"{}\" type=\"rule\">{}</failure>\n    </testcase>\n",
                esc(&message),
                esc(&lines.join("\n"))
            );
        }

        for e in &report.events {
            if e.expected.is_none() && e.verdict != Verdict::Error {
                continue;
            }
            tests += 1;
            let case_name = match e.expected {
                Some(true) => format!("event {} (line {}) should fire", e.index, e.line),
                Some(false) => format!("event {} (line {}) should not fire", e.index, e.line),
                None => format!("event {} (line {})", e.index, e.line),
            };
            let _ = write!(
                cases,
                "    <testcase classname=\"{}\" name=\"{}\"",
                esc(name),
                esc(&case_name)
            );
            let verdict = match e.verdict {
                Verdict::Fired => "fired".to_string(),
                Verdict::NotFired => "did not fire".to_string(),
                Verdict::Error => format!("error: {}", e.message.as_deref().unwrap_or("unknown")),
            };
            if e.verdict == Verdict::Error {
                errors += 1;
                let _ = write!(
                    cases,
                    ">\n      <error message=\"{}\" type=\"event\"/>\n    </testcase>\n",
                    esc(&verdict)
                );
            } else if e.outcome == Outcome::Fail {
                failures += 1;
                let mut detail = verdict.clone();
                if !e.matched.is_empty() {
                    let _ = write!(detail, " (true: {})", e.matched.join(", "));
                }
                if let Some(note) = &e.message {
                    let _ = write!(detail, "; {note}");
                }
                let _ = write!(
                    cases,
                    ">\n      <failure message=\"{}\" type=\"expectation\">{}</failure>\n    </testcase>\n",
                    esc(&verdict),
                    esc(&detail)
                );
            } else {
                cases.push_str("/>\n");
            }
        }
        for a in report.alerts.iter().filter(|a| a.expected.is_some()) {
            tests += 1;
            let group = serde_json::to_string(&a.group).unwrap_or_default();
            let should = if a.expected == Some(true) {
                "should alert"
            } else {
                "should not alert"
            };
            let case_name = format!("{} {group} {should}", a.correlation);
            let _ = write!(
                cases,
                "    <testcase classname=\"{}\" name=\"{}\"",
                esc(name),
                esc(&case_name)
            );
            if a.outcome == Outcome::Fail {
                failures += 1;
                let verdict = if a.alerted {
                    "alerted"
                } else {
                    "did not alert"
                };
                let _ = write!(
                    cases,
                    ">\n      <failure message=\"{}\" type=\"expectation\">{}</failure>\n    </testcase>\n",
                    esc(verdict),
                    esc(&a.summary)
                );
            } else {
                cases.push_str("/>\n");
            }
        }
        all_tests += tests;
        all_failures += failures;
        all_errors += errors;
        let _ = write!(
            body,
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\">\n{cases}  </testsuite>\n",
            esc(name)
        );
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"sigmaplay test\" tests=\"{all_tests}\" failures=\"{all_failures}\" errors=\"{all_errors}\">\n{body}</testsuites>\n"
    )
}

/// XML-escapes text for attributes and content; drops characters XML 1.0 cannot hold.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => {
                let _ = write!(out, "&#{};", c as u32);
            }
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{EventResult, TestCounts};

    #[test]
    fn escapes_and_counts() {
        let report = TestReport {
            name: None,
            passed: false,
            rules: vec![],
            diagnostics: vec![],
            events: vec![
                EventResult {
                    index: 0,
                    line: 1,
                    verdict: Verdict::NotFired,
                    expected: Some(true),
                    outcome: Outcome::Fail,
                    matched: vec![],
                    message: None,
                    excluded: None,
                },
                EventResult {
                    index: 1,
                    line: 2,
                    verdict: Verdict::Fired,
                    expected: None,
                    outcome: Outcome::Unchecked,
                    matched: vec!["selection".into()],
                    message: None,
                    excluded: None,
                },
            ],
            alerts: vec![],
            problems: vec![],
            pipeline_failed: false,
            counts: TestCounts::default(),
        };
        let xml = junit_xml([("a<b>&\"c\".json", &report)]);
        assert!(
            xml.contains("name=\"a&lt;b&gt;&amp;&quot;c&quot;.json\""),
            "{xml}"
        );
        assert!(
            xml.contains("tests=\"2\" failures=\"1\" errors=\"0\""),
            "{xml}"
        );
        assert!(xml.contains("event 0 (line 1) should fire"), "{xml}");
        assert!(!xml.contains("event 1"), "{xml}");
        assert_eq!(esc("a\u{1}b\nc"), "a\u{FFFD}b&#10;c");
    }
}
