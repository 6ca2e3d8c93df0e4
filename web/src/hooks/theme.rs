//! The light/dark theme: `<html data-theme>`, remembered in localStorage (`index.html` applies
//! it before the first paint, with the same key).

use super::window;
use crate::state::Theme;
use yew::prelude::*;

const THEME_KEY: &str = "sigmaplay-theme";

fn local_storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

/// The remembered theme, else the system's.
pub fn initial_theme() -> Theme {
    if let Some(saved) = local_storage().and_then(|s| s.get_item(THEME_KEY).ok().flatten()) {
        return if saved == "dark" {
            Theme::Dark
        } else {
            Theme::Light
        };
    }
    let dark = window()
        .match_media("(prefers-color-scheme: dark)")
        .ok()
        .flatten()
        .is_some_and(|m| m.matches());
    if dark {
        Theme::Dark
    } else {
        Theme::Light
    }
}

/// Shows `theme` and remembers it.
#[hook]
pub fn use_theme(theme: Theme) {
    use_effect_with(theme, |theme| {
        let name = match theme {
            Theme::Dark => "dark",
            Theme::Light => "light",
        };
        if let Some(root) = window().document().and_then(|d| d.document_element()) {
            let _ = root.set_attribute("data-theme", name);
        }
        if let Some(storage) = local_storage() {
            let _ = storage.set_item(THEME_KEY, name);
        }
    });
}
