//! The exercise being done: which lesson, how many hints are shown, and how the rule written so
//! far grades against the lesson's expectations (the rule-test machinery's own tally).

use super::AppState;
use crate::lessons::{self, Exercise, Lesson};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExerciseState {
    /// The lesson's id.
    pub lesson: &'static str,
    pub hints_shown: usize,
    pub solution_shown: bool,
}

/// How the try grades: expectations met of all, and whether that is all of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExerciseGrade {
    pub passed: usize,
    pub total: usize,
    /// The rule compiles, the verdicts are those of the text shown, and every expectation passes.
    pub solved: bool,
}

impl ExerciseState {
    pub fn lesson(&self) -> Option<(&'static Lesson, &'static Exercise)> {
        let lesson = lessons::find(self.lesson)?;
        Some((lesson, lesson.exercise.as_ref()?))
    }
}

impl AppState {
    pub fn exercise_grade(&self) -> ExerciseGrade {
        let tally = self.tally();
        let total = self.workspace.expectations.len() + self.workspace.alert_expectations.len();
        let compiles = self
            .compile
            .as_ref()
            .is_some_and(|c| !c.diagnostics.iter().any(|d| d.is_error()));
        let shown = self.results.is_some() && !self.stale();
        ExerciseGrade {
            passed: tally.passed,
            total,
            solved: compiles && shown && tally.failed == 0 && tally.passed >= total && total > 0,
        }
    }

    pub(super) fn start_exercise(&mut self, lesson: &'static str) -> bool {
        self.exercise = Some(ExerciseState {
            lesson,
            hints_shown: 0,
            solution_shown: false,
        });
        true
    }

    pub(super) fn show_hint(&mut self) -> bool {
        let Some(state) = &mut self.exercise else {
            return false;
        };
        let hints = state.lesson().map_or(0, |(_, e)| e.hints.len());
        if state.hints_shown >= hints {
            return false;
        }
        state.hints_shown += 1;
        true
    }

    pub(super) fn solution_shown(&mut self) -> bool {
        match &mut self.exercise {
            Some(state) if !state.solution_shown => {
                state.solution_shown = true;
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Action;
    use std::rc::Rc;
    use yew::Reducible;

    #[test]
    fn an_exercise_starts_after_its_work_loads_and_hints_come_one_at_a_time() {
        let lesson = lessons::find("windash").unwrap();
        let state = Rc::new(AppState::default()).reduce(Action::Load {
            workspace: lesson.exercise_workspace().unwrap(),
            notice: None,
        });
        let state = state.reduce(Action::StartExercise(lesson.id));
        let hints = lesson.exercise.as_ref().unwrap().hints.len();
        let mut state = state;
        for shown in 1..=hints {
            state = state.reduce(Action::ShowHint);
            assert_eq!(state.exercise.unwrap().hints_shown, shown);
        }
        state = state.reduce(Action::ShowHint);
        assert_eq!(state.exercise.unwrap().hints_shown, hints);
        // Nothing evaluated yet: not solved.
        assert!(!state.exercise_grade().solved);
        assert_eq!(state.exercise_grade().total, lesson.expectations.len());
        // Opening other work ends the exercise.
        let state = state.reduce(Action::Load {
            workspace: lesson.workspace(),
            notice: None,
        });
        assert_eq!(state.exercise, None);
    }
}
