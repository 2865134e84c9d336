//! Properties of the HTML and text reports that must hold for any input: user text is
//! escaped, nothing is fetched from the network, odd sessions render without panicking.

mod common;

use rapport_core::ModelAccuracy;
use rapport_core::{
    Behaviour, CodedUtterance, CounselorCode, QuestionType, Report, Speaker, Talk, Utterance,
    UtteranceCode,
};
use rapport_report::{RenderError, html, session_file_names, text};

fn utterance(i: usize, speaker: Speaker, text: &str, code: UtteranceCode) -> CodedUtterance {
    CodedUtterance {
        index: i,
        utterance: Utterance {
            speaker,
            name: None,
            text: text.to_string(),
            start: None,
            end: None,
        },
        code,
        confidence: 0.9,
    }
}

/// Resource references that would make a browser fetch something.
fn network_references(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut found = Vec::new();
    for pattern in [
        "src=\"http",
        "src='http",
        "src=\"//",
        "href=\"http",
        "href=\"//",
        "url(",
        "@import",
        "<script",
        "<link",
        "<iframe",
        "<img",
    ] {
        if lower.contains(pattern) {
            found.push(pattern.to_string());
        }
    }
    // The only absolute URL allowed is the SVG namespace, which is an identifier.
    let stripped = lower.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    for scheme in ["http://", "https://"] {
        if stripped.contains(scheme) {
            found.push(scheme.to_string());
        }
    }
    found
}

#[test]
fn reports_make_no_network_reference() {
    let sessions = common::series();
    let files = session_file_names(&sessions, "html");
    for s in &sessions {
        let page = html::render_session(s, &ModelAccuracy::unknown()).unwrap();
        assert_eq!(network_references(&page), Vec::<String>::new(), "{}", s.id);
        assert!(page.contains("Content-Security-Policy"));
    }
    let index = html::render_index(&sessions, &files, &ModelAccuracy::unknown()).unwrap();
    assert_eq!(network_references(&index), Vec::<String>::new());
}

#[test]
fn user_text_is_escaped() {
    let evil = "<script>alert(1)</script> \"quoted\" & <b>bold</b>";
    let mut session = common::build(
        evil,
        evil,
        vec![
            utterance(
                0,
                Speaker::Counselor,
                evil,
                UtteranceCode::Counselor(CounselorCode {
                    behaviour: Behaviour::Question,
                    question_type: Some(QuestionType::Open),
                    reflection_type: None,
                }),
            ),
            utterance(
                1,
                Speaker::Client,
                evil,
                UtteranceCode::Client { talk: Talk::Change },
            ),
        ],
    );
    session.utterances[0].utterance.name = Some(evil.to_string());
    let page = html::render_session(&session, &ModelAccuracy::unknown()).unwrap();
    assert!(!page.contains("<script"), "script tag got through");
    assert!(!page.contains("<b>bold"), "markup got through");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));

    let files = vec!["x.html".to_string()];
    let index = html::render_index(&[session.clone()], &files, &ModelAccuracy::unknown()).unwrap();
    assert!(!index.contains("<script"));

    let mut model = ModelAccuracy::unknown();
    model.model = evil.to_string();
    let page = html::render_session(&session, &model).unwrap();
    assert!(!page.contains("<script"));
}

#[test]
fn text_strips_terminal_escapes_from_user_data() {
    let session = common::build(
        "id\x1b]0;pwned\x07",
        "src",
        vec![utterance(
            0,
            Speaker::Client,
            "hi",
            UtteranceCode::Client {
                talk: Talk::Neutral,
            },
        )],
    );
    let out = text::render(
        &Report {
            sessions: vec![session],
        },
        true,
    );
    assert!(
        !out.contains("\x1b]"),
        "an OSC sequence from the id reached the terminal"
    );
}

#[test]
fn odd_sessions_render() {
    // Empty, untimed, nonsense timings and confidences, unsubtyped codes: all must render.
    let empty = common::build("empty", "empty.txt", Vec::new());
    let mut odd = vec![
        utterance(
            0,
            Speaker::Counselor,
            "Question?",
            UtteranceCode::Counselor(CounselorCode {
                behaviour: Behaviour::Question,
                question_type: None,
                reflection_type: None,
            }),
        ),
        utterance(
            usize::MAX,
            Speaker::Counselor,
            "So you feel...",
            UtteranceCode::Counselor(CounselorCode {
                behaviour: Behaviour::Reflection,
                question_type: None,
                reflection_type: None,
            }),
        ),
        utterance(
            2,
            Speaker::Client,
            "",
            UtteranceCode::Client {
                talk: Talk::Sustain,
            },
        ),
    ];
    odd[0].utterance.start = Some(f64::NAN);
    odd[1].utterance.start = Some(-5.0);
    odd[1].utterance.end = Some(f64::INFINITY);
    odd[1].confidence = f64::NAN;
    odd[2].utterance.start = Some(1e12);
    let odd = common::build("odd", "odd.csv", odd);
    let mut timed = common::session();
    for u in &mut timed.utterances {
        // Everyone speaks at once.
        u.utterance.start = Some(0.0);
        u.utterance.end = Some(0.0);
    }
    let sessions = vec![empty, odd, timed];
    for s in &sessions {
        let page = html::render_session(s, &ModelAccuracy::unknown()).unwrap();
        assert!(page.contains("</html>"));
    }
    let page = html::render_session(&sessions[1], &ModelAccuracy::unknown()).unwrap();
    assert!(
        page.contains("tag-reflection uncertain"),
        "NaN confidence counts as uncertain"
    );
    assert!(page.contains("tag-question\""));
    let files = session_file_names(&sessions, "html");
    html::render_index(&sessions, &files, &ModelAccuracy::unknown()).unwrap();
    html::render_index(&[], &[], &ModelAccuracy::unknown()).unwrap();
    text::render(&Report { sessions }, true);
}

#[test]
fn index_needs_one_file_per_session() {
    let err = html::render_index(&common::series(), &[], &ModelAccuracy::unknown()).unwrap_err();
    assert!(matches!(
        err,
        RenderError::FileNames {
            sessions: 3,
            files: 0
        }
    ));
}

#[test]
fn figures_show_their_intervals_and_uncertain_bands() {
    use rapport_core::Metric;
    use std::collections::BTreeMap;
    let mut session = common::session();
    session.summary.attach_intervals(
        0.8,
        BTreeMap::from([
            (Metric::ReflectionToQuestionRatio, Some([0.8, 1.3])),
            (Metric::PercentComplexReflections, Some([10.0, 35.0])),
        ]),
    );
    let report = Report {
        sessions: vec![session.clone()],
    };
    let plain = text::render(&report, false);
    assert!(plain.contains("(0.80\u{2013}1.30)"), "{plain}");
    assert!(plain.contains("(10.0\u{2013}35.0 %)"), "{plain}");
    assert!(plain.contains("uncertain"), "{plain}");
    assert!(plain.contains("the 80 % interval"), "{plain}");
    let page = html::render_session(&session, &ModelAccuracy::unknown()).unwrap();
    assert!(page.contains("80 % interval 0.80\u{2013}1.30"));
    assert!(page.contains("band band-uncertain\">uncertain"));
    assert!(page.contains("band band-below_fair\">below fair"));
    // The gauge's text alternative carries the interval too.
    assert!(page.contains("80 % interval 10.0\u{2013}35.0 %"));
}
