//! Files the page hands to its worker: a SigmaHQ regression folder to open as a rule test (its
//! `info.yml` and events JSON, or a `.zip` of the folder), a rule test to export as such a folder
//! (a `.zip`), `.evtx` files to read as events; and a rule drafted from an event. The work is
//! ruletest's ([`import_regression`], [`export_regression`]) and the engine's ([`evtx_to_json`],
//! [`rule_from_event`]); this only unpacks and packs the files. It runs in a worker of its own (`sigmaplay-files`, started when
//! a file task comes), so neither the page's wasm nor the evaluation worker's, both fetched at
//! start, carries the zip and evtx readers.

use crate::archive::{is_zip, unzip, ZipLimits};
pub use crate::files::NamedFile;
use crate::ruleset::{RuleSetAnswer, RuleSetTask, RuleSetWorker};
use serde::{Deserialize, Serialize};
use sigmaplay_engine::{evtx_to_json, is_evtx, rule_from_event, Event, LogSourceMap, TextEdit};
use sigmaplay_ruletest::{
    exemplars_edit, export_regression, import_regression, open_exemplars, ExportOptions, RuleTest,
};
use std::io::{Cursor, Write};

/// A regression folder packed as a zip, to download.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegressionZip {
    /// `<rule-id>.zip`.
    pub name: String,
    #[serde(with = "crate::files::bytes")]
    pub bytes: Vec<u8>,
}

/// An `.evtx` file read as events: the records' evtx_dump JSON (what a rule test keeps), and
/// where reading stopped when the file is damaged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvtxRead {
    pub name: String,
    /// The records' JSON, one pretty-printed object after another.
    pub text: String,
    pub records: usize,
    /// Each damaged record or chunk, in words, with where it is in the file.
    pub errors: Vec<String>,
}

/// Page → files worker: one task per worker (started for it, dropped when it has answered),
/// except the rule-set view's, whose workers load a rule set once and then evaluate chunks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FileTask {
    /// Open a SigmaHQ regression folder (its files, or a zip of it) as a rule test; `rule` is
    /// the rule under test when the files hold none.
    OpenRegression {
        files: Vec<NamedFile>,
        rule: String,
    },
    /// Pack a rule test as a SigmaHQ regression folder.
    ExportRegression {
        test: Box<RuleTest>,
    },
    /// Read an `.evtx` file as events.
    ReadEvtx {
        file: NamedFile,
    },
    /// Draft a new rule from an event's flattened fields with the `chosen` ones (the log
    /// source table and the event reader it needs stay out of the page's wasm).
    DraftRule {
        fields: Vec<(String, serde_json::Value)>,
        chosen: Vec<String>,
    },
    RuleSet(RuleSetTask),
    /// Open the rsigma exemplars (`rsigma.exemplars`) a rule text carries as a rule test.
    OpenExemplars {
        rule: String,
    },
    /// The edit that writes a rule test's events and expectations into its rule as exemplars.
    WriteExemplars {
        test: Box<RuleTest>,
    },
}

/// Files worker → page: the answer to its [`FileTask`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FileTaskAnswer {
    RegressionOpened {
        result: Result<Box<RuleTest>, String>,
    },
    RegressionExported {
        result: Result<RegressionZip, String>,
    },
    EvtxRead {
        read: EvtxRead,
    },
    RuleDrafted {
        rule: String,
    },
    RuleSet(RuleSetAnswer),
    ExemplarsOpened {
        result: Result<Box<RuleTest>, String>,
    },
    ExemplarsWritten {
        result: Result<TextEdit, String>,
    },
    /// The worker stopped on an internal error; said in words.
    Failed {
        message: String,
    },
}

/// Does a task; `ruleset` is the worker's rule set (loaded by a rule-set task).
pub fn run_task(task: FileTask, ruleset: &mut RuleSetWorker) -> FileTaskAnswer {
    match task {
        FileTask::RuleSet(task) => FileTaskAnswer::RuleSet(ruleset.handle(task)),
        FileTask::OpenRegression { files, rule } => FileTaskAnswer::RegressionOpened {
            result: open_regression(&files, &rule).map(Box::new),
        },
        FileTask::ExportRegression { test } => FileTaskAnswer::RegressionExported {
            result: export_regression_zip(&test),
        },
        FileTask::ReadEvtx { file } => FileTaskAnswer::EvtxRead {
            read: read_evtx(&file),
        },
        FileTask::DraftRule { fields, chosen } => FileTaskAnswer::RuleDrafted {
            rule: draft_rule(fields, &chosen),
        },
        FileTask::OpenExemplars { rule } => FileTaskAnswer::ExemplarsOpened {
            result: open_exemplars(&rule).map(Box::new),
        },
        FileTask::WriteExemplars { test } => FileTaskAnswer::ExemplarsWritten {
            result: exemplars_edit(&test),
        },
    }
}

/// A new rule from an event's flattened fields (the explanation's), with the `chosen` ones.
pub fn draft_rule(fields: Vec<(String, serde_json::Value)>, chosen: &[String]) -> String {
    let event = Event::from_json(&serde_json::Value::Object(fields.into_iter().collect()));
    let chosen: Vec<&str> = chosen.iter().map(String::as_str).collect();
    rule_from_event(&event, &chosen, &LogSourceMap::builtin())
}

/// Zip archives are unpacked (within [`ZipLimits`]); other files are kept as they are. Folders
/// inside are flattened (only the file names count: a regression folder has no sub-folders).
fn unpack(files: &[NamedFile]) -> Result<Vec<NamedFile>, String> {
    let mut out = Vec::new();
    for file in files {
        if !is_zip(file) {
            out.push(file.clone());
            continue;
        }
        for mut entry in unzip(file, &ZipLimits::default(), |_| true)? {
            entry.name = entry
                .name
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or_default()
                .to_string();
            out.push(entry);
        }
    }
    Ok(out)
}

fn text_of(file: &NamedFile) -> Result<String, String> {
    String::from_utf8(file.bytes.clone()).map_err(|_| format!("{} is not UTF-8 text", file.name))
}

/// Opens a regression folder as a rule test: `info.yml`, the events (`.json`, or the `.evtx`
/// when the JSON is absent) and the rule under test (a `.yml` rule among the files, else
/// `rule`, the one in the editor).
pub fn open_regression(files: &[NamedFile], rule: &str) -> Result<RuleTest, String> {
    let files = unpack(files)?;
    let name_is = |f: &&NamedFile, ext: &str| f.name.to_ascii_lowercase().ends_with(ext);
    let info = files
        .iter()
        .find(|f| f.name.eq_ignore_ascii_case("info.yml"))
        .ok_or("a regression folder's info.yml is missing (pick it with its events .json)")?;
    let events = match files.iter().find(|f| name_is(f, ".json")) {
        Some(json) => text_of(json)?,
        None => {
            let evtx = files
                .iter()
                .find(|f| name_is(f, ".evtx"))
                .ok_or("the regression test's events (.json or .evtx) are missing")?;
            read_evtx(evtx).text
        }
    };
    let rule_file = files
        .iter()
        .find(|f| (name_is(f, ".yml") || name_is(f, ".yaml")) && !std::ptr::eq(*f, info));
    let rule = match rule_file {
        Some(f) => text_of(f)?,
        None => rule.to_string(),
    };
    import_regression(&text_of(info)?, &events, &rule).map_err(|e| e.to_string())
}

/// A rule test as a SigmaHQ regression folder in a zip: `<rule-id>/info.yml` and
/// `<rule-id>/<rule-id>.json`.
pub fn export_regression_zip(test: &RuleTest) -> Result<RegressionZip, String> {
    let folder = export_regression(test, &ExportOptions::default()).map_err(|e| e.to_string())?;
    let rule_id = folder.events_name.trim_end_matches(".json").to_string();
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut add = |name: String, text: &str| -> zip::result::ZipResult<()> {
        zip.start_file(name, options)?;
        zip.write_all(text.as_bytes())?;
        Ok(())
    };
    add(format!("{rule_id}/info.yml"), &folder.info_yml).map_err(|e| e.to_string())?;
    add(
        format!("{rule_id}/{}", folder.events_name),
        &folder.events_json,
    )
    .map_err(|e| e.to_string())?;
    let bytes = zip.finish().map_err(|e| e.to_string())?.into_inner();
    Ok(RegressionZip {
        name: format!("{rule_id}.zip"),
        bytes,
    })
}

/// Reads an `.evtx` file; a damaged one keeps the records before the damage.
pub fn read_evtx(file: &NamedFile) -> EvtxRead {
    if !is_evtx(&file.bytes) {
        return EvtxRead {
            name: file.name.clone(),
            text: String::new(),
            records: 0,
            errors: vec![format!(
                "{} is not a Windows event log (.evtx): it does not start with ElfFile",
                file.name
            )],
        };
    }
    match evtx_to_json(&file.bytes) {
        Ok(json) => EvtxRead {
            name: file.name.clone(),
            errors: json.errors.into_iter().map(|e| e.message).collect(),
            text: json.text,
            records: json.records,
        },
        Err(e) => EvtxRead {
            name: file.name.clone(),
            text: String::new(),
            records: 0,
            errors: vec![e.message],
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: &str = "title: Cmd\nid: 5e0b1f3a-1b2c-4d5e-8f90-123456789abc\nstatus: test\nlogsource:\n    product: windows\n    category: process_creation\ndetection:\n    selection:\n        Image|endswith: '\\cmd.exe'\n    condition: selection\nlevel: low\n";
    const EVENT: &str = r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon"}},"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational"},"EventData":{"Image":"C:\\Windows\\System32\\cmd.exe"}}}"##;

    fn file(name: &str, text: &str) -> NamedFile {
        NamedFile {
            name: name.into(),
            bytes: text.as_bytes().to_vec(),
        }
    }

    fn passes(test: &RuleTest) -> bool {
        let report = sigmaplay_ruletest::run(test);
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        report.passed
    }

    #[test]
    fn an_exported_folder_opens_again_as_the_same_test() {
        let mut test = RuleTest::new(RULE, EVENT);
        test.set_expectation(0, Some(true));
        let zip = export_regression_zip(&test).unwrap();
        assert_eq!(zip.name, "5e0b1f3a-1b2c-4d5e-8f90-123456789abc.zip");
        let reopened = open_regression(
            &[NamedFile {
                name: zip.name.clone(),
                bytes: zip.bytes.clone(),
            }],
            RULE,
        )
        .unwrap();
        assert_eq!(reopened.expectation(0), Some(true));
        assert!(passes(&reopened));
    }

    #[test]
    fn info_yml_and_its_json_open_with_the_editor_rule() {
        let info = "id: 1\nrule_metadata:\n    - id: 5e0b1f3a-1b2c-4d5e-8f90-123456789abc\n      title: Cmd\nregression_tests_info:\n    - name: Positive Detection Test\n      type: evtx\n      match_count: 1\n      path: x/5e0b1f3a-1b2c-4d5e-8f90-123456789abc.evtx\n";
        let test = open_regression(&[file("info.yml", info), file("x.json", EVENT)], RULE).unwrap();
        assert_eq!(test.rule, RULE);
        assert!(passes(&test));
        let missing = open_regression(&[file("x.json", EVENT)], RULE).unwrap_err();
        assert!(missing.contains("info.yml"), "{missing}");
    }

    #[test]
    fn garbage_is_refused_in_words() {
        let err = open_regression(&[file("folder.zip", "PK\u{3}\u{4}nonsense")], RULE).unwrap_err();
        assert!(err.contains("folder.zip"), "{err}");
        let read = read_evtx(&file("log.evtx", "not an event log"));
        assert_eq!(read.records, 0);
        assert!(read.errors[0].contains("not a Windows event log"));
    }

    #[test]
    fn a_cut_evtx_keeps_the_records_before_the_cut_and_says_where() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/corpus/sigmahq/regression_data/rules-threat-hunting/windows/image_load/",
            "image_load_win_werfaultsecure_dbgcore_dbghelp_load/8a2f4b1c-3d5e-4f7a-9b2c-1e4f6d8a9c2b.evtx"
        );
        let Ok(bytes) = std::fs::read(path) else {
            eprintln!("SKIPPED: {path} (SigmaHQ regression data in ../shared) is absent");
            return;
        };
        let whole = read_evtx(&NamedFile {
            name: "whole.evtx".into(),
            bytes: bytes.clone(),
        });
        assert_eq!((whole.records, whole.errors.len()), (1, 0));
        let cut = read_evtx(&NamedFile {
            name: "cut.evtx".into(),
            bytes: bytes[..4096 + 12 * 1024].to_vec(),
        });
        assert_eq!(cut.records, 1);
        assert_eq!(cut.text, whole.text);
        assert!(cut.errors[0].contains("cut short"), "{:?}", cut.errors);
    }

    #[test]
    fn tasks_and_answers_round_trip_through_json() {
        fn round_trip<T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug>(
            value: T,
        ) {
            let json = serde_json::to_string(&value).unwrap();
            assert_eq!(serde_json::from_str::<T>(&json).unwrap(), value);
        }
        round_trip(FileTask::OpenRegression {
            files: vec![file("info.yml", "id: 1\n")],
            rule: RULE.into(),
        });
        round_trip(FileTask::ReadEvtx {
            file: NamedFile {
                name: "a.evtx".into(),
                bytes: vec![0, 255, 7],
            },
        });
        round_trip(FileTask::ExportRegression {
            test: Box::new(RuleTest::new(RULE, EVENT)),
        });
        round_trip(FileTaskAnswer::RegressionExported {
            result: Ok(RegressionZip {
                name: "x.zip".into(),
                bytes: vec![80, 75, 3, 4],
            }),
        });
        round_trip(FileTaskAnswer::Failed {
            message: "x".into(),
        });
    }

    #[test]
    fn a_drafted_rule_has_the_events_log_source_and_the_chosen_fields() {
        let fields = vec![
            ("EventID".to_string(), serde_json::json!(1)),
            (
                "Channel".to_string(),
                serde_json::json!("Microsoft-Windows-Sysmon/Operational"),
            ),
            ("Image".to_string(), serde_json::json!("C:\\x\\a.exe")),
            ("User".to_string(), serde_json::json!("CORP\\ann")),
        ];
        let rule = draft_rule(fields, &["Image".to_string()]);
        assert!(rule.contains("    category: process_creation\n"), "{rule}");
        assert!(rule.contains("        Image: 'C:\\x\\a.exe'\n"), "{rule}");
        assert!(!rule.contains("User"), "{rule}");
    }

    fn run_task_alone(task: FileTask) -> FileTaskAnswer {
        run_task(task, &mut RuleSetWorker::default())
    }

    #[test]
    fn run_task_does_what_the_task_says() {
        let mut test = RuleTest::new(RULE, EVENT);
        test.set_expectation(0, Some(true));
        let FileTaskAnswer::RegressionExported { result: Ok(zip) } =
            run_task_alone(FileTask::ExportRegression {
                test: Box::new(test),
            })
        else {
            panic!("exported");
        };
        let answer = run_task_alone(FileTask::OpenRegression {
            files: vec![NamedFile {
                name: zip.name,
                bytes: zip.bytes,
            }],
            rule: RULE.into(),
        });
        assert!(matches!(
            answer,
            FileTaskAnswer::RegressionOpened { result: Ok(_) }
        ));
    }
}
