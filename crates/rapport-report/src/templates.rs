//! The one template environment every page and text report is rendered with: the
//! templates compiled into the crate, strict undefined values (a typo in a template
//! fails the snapshot tests instead of printing nothing), minijinja's HTML escaping for
//! `.html` templates, and the few filters the text layout needs. It is built once per
//! process.
//!
//! Pages extend the layout named by their `layout` variable (by default
//! [`STANDALONE_LAYOUT`], a self-contained page). A host such as the clinic server
//! adds the report's templates to its own environment with [`register`], adds a layout
//! of its own that fills the same blocks (`title`, `style`, `body`, `footer`), and
//! renders the same pages inside its own chrome.

use std::sync::LazyLock;

use minijinja::{Environment, State, UndefinedBehavior, syntax::SyntaxConfig};

/// The layout of a self-contained page: inline CSS, a Content-Security-Policy that
/// forbids every request, no script.
pub const STANDALONE_LAYOUT: &str = "page.html";

/// The templates, by name. `.html` names are escaped, the others not.
const TEMPLATES: [(&str, &str); 9] = [
    ("page.html", include_str!("../templates/page.html")),
    ("style.css", include_str!("../templates/style.css")),
    ("report.html", include_str!("../templates/report.html")),
    ("about.html", include_str!("../templates/about.html")),
    ("session.html", include_str!("../templates/session.html")),
    ("index.html", include_str!("../templates/index.html")),
    (
        "series-charts.html",
        include_str!("../templates/series-charts.html"),
    ),
    ("trends.html", include_str!("../templates/trends.html")),
    ("report.txt", include_str!("../templates/report.txt")),
];

/// ANSI styles of the text report. Bands differ in word as well as colour (blue, yellow,
/// red rather than the red/green pair most colour-blind readers confuse).
fn ansi(style: &str) -> Option<&'static str> {
    match style {
        "heading" => Some("\x1b[1m"),
        "good" => Some("\x1b[1;34m"),
        "fair" => Some("\x1b[1;33m"),
        "below_fair" => Some("\x1b[1;31m"),
        "dim" => Some("\x1b[2m"),
        _ => None,
    }
}

/// Pads to a width in characters (not bytes, so accented names line up).
fn ljust(value: String, width: usize) -> String {
    let len = value.chars().count();
    format!("{value}{}", " ".repeat(width.saturating_sub(len)))
}

fn rjust(value: String, width: usize) -> String {
    let len = value.chars().count();
    format!("{}{value}", " ".repeat(width.saturating_sub(len)))
}

/// Styles text for a terminal when the template's `color` variable is true; a no-op
/// otherwise (files, pipes, `NO_COLOR`).
fn paint(state: &State<'_, '_>, value: String, style: String) -> String {
    let color = state.lookup("color").is_some_and(|c| c.is_true());
    match ansi(&style) {
        Some(code) if color => format!("{code}{value}\x1b[0m"),
        _ => value,
    }
}

/// Adds the report's templates and filters to `env`, and sets the syntax they are
/// written in (block tags on their own lines leave no blank lines behind: the text
/// layout depends on it) and strict undefined values.
pub fn register(env: &mut Environment<'static>) -> Result<(), minijinja::Error> {
    env.set_syntax(
        SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()?,
    );
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Auto-escaping follows the template name: `.html` escapes, `.txt` and `.css` do
    // not. Utterance text, names, ids and client codes are user data and only ever
    // reach `.html` templates through `{{ }}`, which escapes them.
    for (name, source) in TEMPLATES {
        env.add_template(name, source)?;
    }
    env.add_filter("ljust", ljust);
    env.add_filter("rjust", rjust);
    env.add_filter("paint", paint);
    Ok(())
}

static ENVIRONMENT: LazyLock<Result<Environment<'static>, String>> = LazyLock::new(|| {
    let mut env = Environment::new();
    register(&mut env).map_err(|err| err.to_string())?;
    Ok(env)
});

/// The environment, built on first use.
pub(crate) fn environment() -> Result<&'static Environment<'static>, crate::RenderError> {
    ENVIRONMENT
        .as_ref()
        .map_err(|message| crate::RenderError::Templates(message.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        let env = environment().unwrap();
        for (name, _) in TEMPLATES {
            env.get_template(name).unwrap();
        }
    }
}
