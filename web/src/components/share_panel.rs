//! What Share made: the link (copied), or why the work is too big for one, with the file export.

use crate::state::ShareOutcome;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SharePanelProps {
    pub share: Option<ShareOutcome>,
    pub on_close: Callback<()>,
    pub on_export: Callback<()>,
}

#[component]
pub fn SharePanel(props: &SharePanelProps) -> Html {
    let on_close = props.on_close.reform(|_: MouseEvent| ());
    match &props.share {
        None => html! {},
        Some(ShareOutcome::Link(link)) => html! {
            <div class="share-panel" role="dialog" aria-label="Share link" data-testid="share-panel">
                <p>{"Link copied to the clipboard. It carries the whole state in its fragment; nothing is sent to a server."}</p>
                <input class="share-link" data-testid="share-link" readonly=true value={link.clone()}
                    onfocus={Callback::from(|e: FocusEvent| {
                        if let Some(i) = e.target_dyn_into::<web_sys::HtmlInputElement>() { i.select(); }
                    })} />
                <button onclick={on_close}>{"Close"}</button>
            </div>
        },
        Some(ShareOutcome::TooBig(message)) => html! {
            <div class="share-panel error" role="alertdialog" aria-label="Share" data-testid="share-too-big">
                <p>{ message.clone() }</p>
                <button class="primary" onclick={props.on_export.reform(|_: MouseEvent| ())}>{"Export test file"}</button>
                <button onclick={on_close}>{"Close"}</button>
            </div>
        },
    }
}
