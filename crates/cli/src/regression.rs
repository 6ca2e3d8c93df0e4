//! SigmaHQ regression folders in `sigmaplay test`: finding them, finding their rule, running them.

use crate::inputs;
use sigmaplay_engine::evtx_to_json;
use sigmaplay_ruletest::{import_regression, run, RegressionInfo, TestReport};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What a file found under the arguments is to `sigmaplay test`.
pub enum Role {
    /// A rule-test file.
    TestFile,
    /// `info.yml`: its folder is one regression test.
    Folder(PathBuf),
    /// Another file of a regression folder (its events, its rule).
    PartOfFolder,
    /// A `.yml` or `.yaml` outside regression folders: a rule file, a test when it carries
    /// `rsigma.exemplars`.
    RuleFile,
}

/// `named`: the path was an argument itself (then it is run whatever it is, as before regression
/// folders existed), not found in a folder.
pub fn role(path: &Path, named: bool) -> Role {
    let parent = path.parent().unwrap_or(Path::new("."));
    let is_info = path.file_name().is_some_and(|n| n == "info.yml");
    if is_info {
        return Role::Folder(parent.to_path_buf());
    }
    if path.as_os_str() != "-" && parent.join("info.yml").is_file() {
        return Role::PartOfFolder;
    }
    let yaml = path.extension().is_some_and(|e| e == "yml" || e == "yaml");
    // A named `.yml` that is a rule test in JSON (as files were named before exemplars) stays one.
    let json_inside = named
        && std::fs::read(path)
            .is_ok_and(|t| t.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{'));
    if yaml && !json_inside {
        return Role::RuleFile;
    }
    Role::TestFile
}

/// Rule files by the id they declare, read the first time a folder needs one.
pub struct RuleIndex {
    roots: Vec<PathBuf>,
    by_id: Option<HashMap<String, PathBuf>>,
    errors: Vec<String>,
}

impl RuleIndex {
    pub fn new(roots: &[PathBuf]) -> RuleIndex {
        RuleIndex {
            roots: roots.to_vec(),
            by_id: None,
            errors: Vec::new(),
        }
    }

    /// Problems met while indexing `--rules` (unreadable paths).
    pub fn errors(&self) -> &[String] {
        &self.errors
    }

    fn find(&mut self, id: &str) -> Option<PathBuf> {
        if self.by_id.is_none() {
            let (files, errors) = inputs::expand(&self.roots, &["yml", "yaml"]);
            self.errors.extend(errors);
            let mut by_id = HashMap::new();
            for file in files {
                if let Some(rule_id) = std::fs::read_to_string(&file)
                    .ok()
                    .and_then(|t| rule_id(&t))
                {
                    by_id.entry(rule_id).or_insert(file);
                }
            }
            self.by_id = Some(by_id);
        }
        self.by_id.as_ref().and_then(|m| m.get(id).cloned())
    }
}

/// The `id` a rule file declares (its first document's top-level `id`).
fn rule_id(text: &str) -> Option<String> {
    let line = text.lines().find(|l| l.starts_with("id:"))?;
    let id = line["id:".len()..].trim().trim_matches(['\'', '"']);
    (!id.is_empty()).then(|| id.to_string())
}

/// What running a regression folder gave.
pub enum FolderOutcome {
    Ran(TestReport),
    /// Nothing to run (every case commented out, or none of type evtx): why.
    Skipped(String),
}

/// Runs one regression folder: its rule (in the folder or under `--rules`), its events JSON (or,
/// without one, its `.evtx`), graded as [`import_regression`] says.
pub fn run_folder(folder: &Path, rules: &mut RuleIndex) -> FolderOutcome {
    let name = folder.display().to_string();
    let info_text = match inputs::read(&folder.join("info.yml")) {
        Ok(input) => input.text,
        Err(e) => return FolderOutcome::Ran(TestReport::failed_to_load(None, e)),
    };
    let info = match RegressionInfo::from_yaml(&info_text) {
        Ok(info) => info,
        Err(e) => {
            return FolderOutcome::Ran(TestReport::failed_to_load(None, format!("{name}: {e}")))
        }
    };
    if info.evtx_cases().next().is_none() {
        return FolderOutcome::Skipped("no regression_tests_info entry of type evtx".into());
    }
    FolderOutcome::Ran(run_info(folder, &info, &info_text, rules))
}

fn run_info(
    folder: &Path,
    info: &RegressionInfo,
    info_text: &str,
    rules: &mut RuleIndex,
) -> TestReport {
    let name = folder.display().to_string();
    let rule_id = info.rule_id().to_string();
    let rule_path = rule_in_folder(folder, &rule_id).or_else(|| rules.find(&rule_id));
    let Some(rule_path) = rule_path else {
        return TestReport::failed_to_load(
            None,
            format!("{name}: rule {rule_id} not found: give the rules' folder with --rules"),
        );
    };
    let rule = match inputs::read(&rule_path) {
        Ok(input) => input.text,
        Err(e) => return TestReport::failed_to_load(None, e),
    };
    let events = match events_of(folder, info) {
        Ok(events) => events,
        Err(e) => return TestReport::failed_to_load(None, format!("{name}: {e}")),
    };
    match import_regression(info_text, &events, &rule) {
        Ok(test) => run(&test),
        Err(e) => TestReport::failed_to_load(None, format!("{name}: {e}")),
    }
}

/// A rule file inside the regression folder whose id is the one under test.
fn rule_in_folder(folder: &Path, id: &str) -> Option<PathBuf> {
    let entries = std::fs::read_dir(folder).ok()?;
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    paths.into_iter().find(|p| {
        p.file_name().is_some_and(|n| n != "info.yml")
            && p.extension().is_some_and(|e| e == "yml" || e == "yaml")
            && std::fs::read_to_string(p)
                .ok()
                .and_then(|t| rule_id(&t))
                .is_some_and(|r| r == id)
    })
}

/// The events text: the JSON named after the evtx case, else the `.evtx` rendered as evtx_dump
/// JSON (its unreadable records fail the test through the report's problems).
fn events_of(folder: &Path, info: &RegressionInfo) -> Result<String, String> {
    let json = folder.join(info.events_json_name());
    if json.is_file() {
        return inputs::read(&json).map(|i| i.text);
    }
    let evtx = json.with_extension("evtx");
    let bytes = std::fs::read(&evtx)
        .map_err(|e| format!("no events: neither {} nor its .evtx ({e})", json.display()))?;
    let rendered =
        evtx_to_json(&bytes).map_err(|e| format!("{}: {}", evtx.display(), e.message))?;
    if let Some(e) = rendered.errors.first() {
        return Err(format!("{}: {}", evtx.display(), e.message));
    }
    Ok(rendered.text)
}
