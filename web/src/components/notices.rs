//! The notices above the workspace (what a link, lesson or import did; errors).

use crate::state::{Notice, NoticeLevel};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct NoticeBarProps {
    pub notices: Vec<Notice>,
    pub on_dismiss: Callback<u64>,
    pub on_restore: Callback<()>,
}

#[component]
pub fn NoticeBar(props: &NoticeBarProps) -> Html {
    if props.notices.is_empty() {
        return html! {};
    }
    html! {
        <div class="notices" aria-live="polite">
            { for props.notices.iter().map(|n| {
                let id = n.id;
                let dismiss = props.on_dismiss.reform(move |_: MouseEvent| id);
                let restore = props.on_restore.reform(|_: MouseEvent| ());
                let class = if n.level == NoticeLevel::Error { "notice error" } else { "notice" };
                html! {
                    <div class={class} role={if n.level == NoticeLevel::Error { "alert" } else { "status" }}
                        data-testid={if n.level == NoticeLevel::Error { "notice-error" } else { "notice" }}>
                        <span>{ n.text.clone() }</span>
                        if n.offers_restore {
                            <button data-testid="restore-previous" onclick={restore}>{"Restore previous work"}</button>
                        }
                        <button class="dismiss" aria-label="Dismiss" onclick={dismiss}>{"✕"}</button>
                    </div>
                }
            }) }
        </div>
    }
}
