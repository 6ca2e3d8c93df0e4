//! Entry point of the page (Trunk builds it; `index.html` loads it).
use wasm_bindgen::JsCast;

fn main() {
    // Never a raw panic on screen: a short message, the details folded away, the work saved.
    std::panic::set_hook(Box::new(|info| {
        let details = info.to_string();
        web_sys::console::error_1(&details.clone().into());
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        if let Some(el) = document
            .get_element_by_id("fatal")
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            el.set_hidden(false);
            if let Some(pre) = el.query_selector("pre").ok().flatten() {
                pre.set_text_content(Some(&details));
            }
        }
    }));
    yew::Renderer::<sigmaplay_web::app::App>::new().render();
}
