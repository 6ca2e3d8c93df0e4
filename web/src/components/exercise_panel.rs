//! The exercise being done: its task, how the rule written so far grades (the rule-test
//! machinery's tally of the lesson's expectations), the hints one at a time, and the solution
//! on request (put in the editor as an edit, so undo brings the try back).

use super::code_editor::edit_rule;
use crate::state::{ExerciseGrade, ExerciseState};
use sigmaplay_engine::TextEdit;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ExercisePanelProps {
    pub exercise: ExerciseState,
    pub grade: ExerciseGrade,
    pub on_hint: Callback<()>,
    pub on_solution_shown: Callback<()>,
    pub on_close: Callback<()>,
}

#[component]
pub fn ExercisePanel(props: &ExercisePanelProps) -> Html {
    let Some((lesson, exercise)) = props.exercise.lesson() else {
        return Html::default();
    };
    let grade = props.grade;
    let shown = props.exercise.hints_shown.min(exercise.hints.len());
    let more_hints = shown < exercise.hints.len();
    let on_solution = {
        let solution = lesson.rule;
        let done = props.on_solution_shown.clone();
        Callback::from(move |_: MouseEvent| {
            edit_rule(|text| {
                Some(TextEdit {
                    from: 0,
                    to: text.len(),
                    insert: solution.to_string(),
                })
            });
            done.emit(());
        })
    };
    let status = if grade.solved {
        format!("Solved: all {} expectations pass.", grade.total)
    } else {
        format!("{} of {} expectations pass.", grade.passed, grade.total)
    };
    html! {
        <section class="exercise" data-testid="exercise" aria-label="Exercise">
            <div class="pane-head">
                <h2>{ format!("Exercise: {}", lesson.title) }</h2>
                <span class="spacer"></span>
                <button class="link" data-testid="exercise-close" onclick={props.on_close.reform(|_: MouseEvent| ())}>{"Close"}</button>
            </div>
            <p data-testid="exercise-task">{ exercise.task.clone() }</p>
            <p class={classes!("exercise-status", grade.solved.then_some("solved"))} data-testid="exercise-status"
                data-solved={grade.solved.to_string()} role="status">{ status }</p>
            if shown > 0 {
                <ol class="hints">
                    { for exercise.hints[..shown].iter().map(|h| html! { <li data-testid="exercise-hint-text">{ h.clone() }</li> }) }
                </ol>
            }
            <div class="exercise-actions">
                <button data-testid="exercise-hint" disabled={!more_hints} onclick={props.on_hint.reform(|_: MouseEvent| ())}>
                    { if more_hints { format!("Hint ({} of {})", shown + 1, exercise.hints.len()) } else { "No more hints".to_string() } }
                </button>
                <button data-testid="exercise-solution" onclick={on_solution}
                    title="Put the lesson's rule in the editor (undo brings your try back)">
                    { if props.exercise.solution_shown { "Show the solution again" } else { "Show the solution" } }
                </button>
            </div>
        </section>
    }
}
