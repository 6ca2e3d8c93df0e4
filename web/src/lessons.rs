//! The examples menu: short lessons written for this project, each a rule with events and the
//! expectations that show the point (so every lesson is also a passing rule test). Each lives in
//! `web/lessons/<id>/`: `rule.yml` (the Sigma rule), `events.jsonl` (the events) and
//! `lesson.json` (the menu title, the point in a sentence or two, the expectations and the
//! placeholder values). The first is the default shown on first load: the rule given by the
//! user, with events written here.

use crate::state::Workspace;
use serde::Deserialize;
use sigmaplay_ruletest::{AlertExpectation, Expectation, PipelineChoice};
use std::collections::BTreeMap;
use std::sync::OnceLock;

pub struct Lesson {
    /// The folder's name; the menu's option value.
    pub id: &'static str,
    pub title: String,
    /// The point of the lesson in one or two sentences.
    pub lesson: String,
    pub rule: &'static str,
    pub events: &'static str,
    pub expectations: Vec<Expectation>,
    pub placeholders: BTreeMap<String, Vec<String>>,
    /// The built-in pipeline the lesson runs its rule through.
    pub pipeline: Option<String>,
    /// Per correlation group: should it alert.
    pub alert_expectations: Vec<AlertExpectation>,
    /// The lesson as an exercise: the rule to write, with the events and expectations given.
    pub exercise: Option<Exercise>,
}

/// A lesson turned into a task: its rule with one section left blank ([`Lesson::exercise_start`]);
/// the lesson's own rule is the solution.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    pub task: String,
    /// Revealed one at a time.
    pub hints: Vec<String>,
    /// The top-level section left for the student to write.
    #[serde(default)]
    pub blank: Blank,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Blank {
    #[default]
    Detection,
    Correlation,
    Filter,
}

impl Blank {
    fn key(self) -> &'static str {
        match self {
            Blank::Detection => "detection:",
            Blank::Correlation => "correlation:",
            Blank::Filter => "filter:",
        }
    }

    fn prompt(self) -> &'static str {
        match self {
            Blank::Detection => "    # Write the selections and the condition here.\n",
            Blank::Correlation => {
                "    # Write the type, the rules it counts, group-by, timespan and condition here.\n"
            }
            Blank::Filter => {
                "    # Write the rules it applies to, a selection and the condition here.\n"
            }
        }
    }
}

/// `lesson.json`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LessonText {
    title: String,
    lesson: String,
    #[serde(default)]
    expectations: Vec<Expectation>,
    #[serde(default)]
    placeholders: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pipeline: Option<String>,
    #[serde(default)]
    alert_expectations: Vec<AlertExpectation>,
    #[serde(default)]
    exercise: Option<Exercise>,
}

struct LessonFiles {
    id: &'static str,
    text: &'static str,
    rule: &'static str,
    events: &'static str,
}

macro_rules! lesson_files {
    ($($id:literal),* $(,)?) => {
        [$(LessonFiles {
            id: $id,
            text: include_str!(concat!("../lessons/", $id, "/lesson.json")),
            rule: include_str!(concat!("../lessons/", $id, "/rule.yml")),
            events: include_str!(concat!("../lessons/", $id, "/events.jsonl")),
        }),*]
    };
}

/// The lessons in the menu's order.
const FILES: [LessonFiles; 16] = lesson_files![
    "cmstp",
    "keywords",
    "one-of-vs-all-of",
    "not-1-of-filter",
    "windash",
    "base64offset",
    "cidr",
    "regex-flags",
    "null-vs-exists",
    "fieldref",
    "expand",
    "cmstp-ecs",
    "brute-force",
    "password-spray",
    "failure-then-success",
    "tuning-filter",
];

impl LessonFiles {
    fn read(&self) -> Result<Lesson, String> {
        let text: LessonText = serde_json::from_str(self.text)
            .map_err(|e| format!("web/lessons/{}/lesson.json: {e}", self.id))?;
        Ok(Lesson {
            id: self.id,
            title: text.title,
            lesson: text.lesson,
            rule: self.rule,
            events: self.events,
            expectations: text.expectations,
            placeholders: text.placeholders,
            pipeline: text.pipeline,
            alert_expectations: text.alert_expectations,
            exercise: text.exercise,
        })
    }
}

/// All lessons, in the menu's order.
pub fn all() -> &'static [Lesson] {
    static LESSONS: OnceLock<Vec<Lesson>> = OnceLock::new();
    LESSONS.get_or_init(|| {
        FILES
            .iter()
            .map(|files| {
                files
                    .read()
                    .expect("the lesson files are checked by the tests")
            })
            .collect()
    })
}

pub fn find(id: &str) -> Option<&'static Lesson> {
    all().iter().find(|l| l.id == id)
}

pub fn default_lesson() -> &'static Lesson {
    &all()[0]
}

impl Lesson {
    pub fn workspace(&self) -> Workspace {
        Workspace {
            rule: self.rule.into(),
            events: self.events.into(),
            expectations: self
                .expectations
                .iter()
                .map(|e| (e.event, e.should_fire))
                .collect(),
            placeholders: self.placeholders.clone(),
            logsource_check: false,
            name: Some(self.title.clone()),
            pipeline: self.pipeline.clone().map(PipelineChoice::Builtin),
            alert_expectations: self.alert_expectations.clone(),
            timestamp_field: None,
            min_fired: None,
            ..Workspace::default()
        }
    }

    /// The exercise's starting rule: the lesson's rule with the blank section's body replaced by
    /// a prompt (the rest, titles and log sources, stays).
    pub fn exercise_start(&self) -> Option<String> {
        let blank = self.exercise.as_ref()?.blank;
        let mut out = String::with_capacity(self.rule.len());
        let mut skipping = false;
        for line in self.rule.split_inclusive('\n') {
            let indented = line.starts_with(' ') || line.starts_with('\t');
            if skipping && (indented || line.trim().is_empty()) {
                continue;
            }
            skipping = false;
            out.push_str(line);
            if line.trim_end() == blank.key() {
                out.push_str(blank.prompt());
                skipping = true;
            }
        }
        Some(out)
    }

    /// The exercise's workspace: the starting rule, the lesson's events and expectations.
    pub fn exercise_workspace(&self) -> Option<Workspace> {
        let rule = self.exercise_start()?;
        Some(Workspace {
            rule: rule.into(),
            name: Some(format!("Exercise: {}", self.title)),
            ..self.workspace()
        })
    }

    /// The notice shown when the lesson is opened.
    pub fn opened(&self) -> String {
        format!("Lesson \u{201c}{}\u{201d}: {}", self.title, self.lesson)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lesson_files_read() {
        for files in &FILES {
            if let Err(error) = files.read() {
                panic!("{error}");
            }
        }
    }

    #[test]
    fn examples_have_unique_ids_and_valid_expectations() {
        let mut ids: Vec<&str> = all().iter().map(|e| e.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all().len());
        for example in all() {
            let events = example.events.lines().count();
            for expectation in &example.expectations {
                let index = expectation.event;
                assert!(
                    index < events,
                    "{}: expectation for event {index} of {events}",
                    example.id
                );
            }
        }
        assert!(default_lesson()
            .rule
            .contains("author: Nasreddine Bencherchali (Nextron Systems)"));
    }

    /// Every lesson is an exercise whose start does not pass (there is something to write) and
    /// whose solution, the lesson's rule, does.
    #[test]
    fn every_lesson_is_an_exercise_that_starts_unsolved() {
        for lesson in all() {
            let exercise = lesson.exercise.as_ref().expect(lesson.id);
            assert!(
                !exercise.task.is_empty() && !exercise.hints.is_empty(),
                "{}",
                lesson.id
            );
            let start = lesson.exercise_start().unwrap();
            assert_ne!(start, lesson.rule, "{}", lesson.id);
            assert!(start.contains("# Write"), "{}: {start}", lesson.id);
            assert!(start.contains("title:"), "{}", lesson.id);
            let workspace = lesson.exercise_workspace().unwrap();
            let report = sigmaplay_ruletest::run(&workspace.to_test());
            assert!(
                !report.passed,
                "exercise {} passes before it is written",
                lesson.id
            );
        }
    }

    /// Every lesson is a rule test that passes (once the engine evaluates for real).
    #[test]
    fn lessons_pass_their_own_tests() {
        for example in all() {
            let report = sigmaplay_ruletest::run(&example.workspace().to_test());
            assert!(report.passed, "lesson {} fails: {:?}", example.id, report);
        }
    }
}
