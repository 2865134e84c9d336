//! The minijinja environment shared by the renderers: the templates compiled into the
//! crate, strict undefined values (a typo in a template fails the snapshot tests
//! instead of printing nothing), and the few filters the text layout needs.

use minijinja::{Environment, UndefinedBehavior, syntax::SyntaxConfig};

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

/// The environment with every template loaded. `color` switches the text report's
/// `paint` filter between ANSI styles and a no-op.
pub(crate) fn environment(color: bool) -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    // Block tags on their own lines leave no blank lines behind: the text layout
    // depends on it and the HTML is tidier for it.
    env.set_syntax(
        SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()?,
    );
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Auto-escaping follows the template name: `.html` escapes, `.txt` and `.css` do
    // not. Utterance text, names and ids are user data and only ever reach `.html`
    // templates through `{{ }}`, which escapes them.
    env.add_template("style.css", include_str!("../templates/style.css"))?;
    env.add_template("base.html", include_str!("../templates/base.html"))?;
    env.add_template("about.html", include_str!("../templates/about.html"))?;
    env.add_template("session.html", include_str!("../templates/session.html"))?;
    env.add_template("index.html", include_str!("../templates/index.html"))?;
    env.add_template("report.txt", include_str!("../templates/report.txt"))?;
    env.add_filter("ljust", ljust);
    env.add_filter("rjust", rjust);
    env.add_filter("paint", move |value: String, style: String| {
        match ansi(&style) {
            Some(code) if color => format!("{code}{value}\x1b[0m"),
            _ => value,
        }
    });
    Ok(env)
}
