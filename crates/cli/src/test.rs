//! `sigmaplay test`: run rule-test files.

use crate::{inputs, pipeline, regression, Status, TestArgs};
use sigmaplay_engine::Pipeline;
use sigmaplay_ruletest::{
    exemplar_cases, junit_xml, read_exemplars, run_case, run_with_pipelines, Outcome, RuleTest,
    TestReport, Verdict,
};
use std::io::{self, Write};

pub fn run(args: &TestArgs) -> io::Result<Status> {
    let Some(pipelines) = pipeline::load(&args.pipelines) else {
        return Ok(Status::Errors);
    };
    let (paths, expand_errors) = inputs::expand(&args.files, &["json", "yml", "yaml"]);
    let mut results: Vec<(String, TestReport)> = Vec::new();
    for e in expand_errors {
        results.push((
            e.split(':').next().unwrap_or_default().to_string(),
            TestReport::failed_to_load(None, e),
        ));
    }
    let mut rules = regression::RuleIndex::new(&args.rules);
    for path in &paths {
        let name = if path.as_os_str() == "-" {
            "<stdin>".to_string()
        } else {
            path.display().to_string()
        };
        let named = args.files.iter().any(|a| a == path);
        let report = match regression::role(path, named) {
            regression::Role::Folder(folder) => {
                let name = folder.display().to_string();
                match regression::run_folder(&folder, &mut rules) {
                    regression::FolderOutcome::Ran(report) => results.push((name, report)),
                    regression::FolderOutcome::Skipped(why) => {
                        if !args.quiet {
                            println!("SKIP {name}: {why}");
                        }
                    }
                }
                continue;
            }
            regression::Role::PartOfFolder => continue,
            regression::Role::RuleFile => {
                results.extend(exemplar_results(path, &name, named, &pipelines));
                continue;
            }
            regression::Role::TestFile => match inputs::read(path) {
                Err(e) => TestReport::failed_to_load(None, e),
                Ok(input) => match RuleTest::from_json(&input.text) {
                    Err(e) => TestReport::failed_to_load(None, format!("{}: {e}", input.name)),
                    Ok(test) => run_with_pipelines(&test, &pipelines),
                },
            },
        };
        results.push((name, report));
    }
    for e in rules.errors() {
        eprintln!("sigmaplay: {e}");
    }

    let mut out = io::BufWriter::new(io::stdout().lock());
    for (name, report) in &results {
        write_report(&mut out, name, report, args.quiet)?;
    }
    let failed = results.iter().filter(|(_, r)| !r.passed).count();
    let passed = results.len() - failed;
    writeln!(
        out,
        "{} test(s): {passed} passed, {failed} failed",
        results.len()
    )?;
    out.flush()?;

    if let Some(junit) = &args.junit {
        let xml = junit_xml(results.iter().map(|(n, r)| (n.as_str(), r)));
        if let Err(e) = std::fs::write(junit, xml) {
            eprintln!("sigmaplay: {}: cannot write: {e}", junit.display());
            return Ok(Status::Errors);
        }
    }
    Ok(if failed > 0 {
        Status::Errors
    } else {
        Status::Ok
    })
}

/// The rsigma exemplars of a rule file, one result per case. A file without exemplars is no
/// test (named on the command line, it is reported as such).
fn exemplar_results(
    path: &std::path::Path,
    name: &str,
    named: bool,
    pipelines: &[Pipeline],
) -> Vec<(String, TestReport)> {
    let text = match inputs::read(path) {
        Ok(input) => input.text,
        Err(e) => return vec![(name.to_string(), TestReport::failed_to_load(None, e))],
    };
    let (rules, diagnostics) = read_exemplars(&text);
    if !diagnostics.is_empty() {
        let rendered: Vec<String> = diagnostics.iter().map(|d| d.render(name)).collect();
        let problem = rendered.join("\n  ");
        return vec![(name.to_string(), TestReport::failed_to_load(None, problem))];
    }
    let cases = exemplar_cases(&text, &rules);
    if cases.is_empty() && named {
        let problem =
            format!("{name}: neither a rule test (JSON) nor a rule carrying rsigma.exemplars");
        return vec![(name.to_string(), TestReport::failed_to_load(None, problem))];
    }
    cases
        .iter()
        .map(|case| (format!("{name}: {}", case.name), run_case(case, pipelines)))
        .collect()
}

fn write_report(
    out: &mut impl Write,
    name: &str,
    report: &TestReport,
    quiet: bool,
) -> io::Result<()> {
    if quiet && report.passed {
        return Ok(());
    }
    let c = &report.counts;
    let alerts_checked = report.alerts.iter().filter(|a| a.expected.is_some());
    let alerts_met = alerts_checked
        .clone()
        .filter(|a| a.outcome == Outcome::Pass)
        .count();
    let checked = c.passed + c.failed + alerts_checked.count();
    writeln!(
        out,
        "{} {name}: {} event(s), {} fired, {} not fired{}; {}/{checked} expectation(s) met",
        if report.passed { "PASS" } else { "FAIL" },
        c.events,
        c.fired,
        c.not_fired,
        if c.errors > 0 {
            format!(", {} unreadable", c.errors)
        } else {
            String::new()
        },
        c.passed + alerts_met,
    )?;
    for d in report.rule_errors() {
        writeln!(out, "  {}", d.render("rule"))?;
    }
    for p in &report.problems {
        writeln!(out, "  {p}")?;
    }
    // When the rule (or its pipeline) has errors every event is an error: the rule's diagnostics
    // or the pipeline's problem above say it all.
    let rule_failed = report.pipeline_failed || report.rule_errors().next().is_some();
    for e in &report.events {
        let shown = e.outcome == Outcome::Fail || e.verdict == Verdict::Error;
        if !shown || rule_failed {
            continue;
        }
        let what = match e.verdict {
            Verdict::Fired => format!("fired ({})", e.matched.join(", ")),
            Verdict::NotFired => "did not fire".to_string(),
            Verdict::Error => format!("error: {}", e.message.as_deref().unwrap_or("unknown")),
        };
        let expected = match e.expected {
            Some(true) => "should fire, ",
            Some(false) => "should not fire, ",
            None => "",
        };
        let mut note = match (e.verdict, &e.message) {
            (Verdict::Error, _) | (_, None) => String::new(),
            (_, Some(m)) => format!(" ({m})"),
        };
        if let Some(x) = &e.excluded {
            note.push_str(&format!(" ({x})"));
        }
        writeln!(
            out,
            "  event {} (line {}): {expected}{what}{note}",
            e.index, e.line
        )?;
    }
    for a in report.alerts.iter().filter(|a| a.outcome == Outcome::Fail) {
        let expected = if a.expected == Some(true) {
            "should alert"
        } else {
            "should not alert"
        };
        let group = serde_json::to_string(&a.group).unwrap_or_default();
        writeln!(
            out,
            "  correlation '{}' {group}: {expected}; {}",
            a.correlation, a.summary
        )?;
    }
    Ok(())
}
