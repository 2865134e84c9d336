//! The session summary's arithmetic on a hand-computed case, its edge cases, and the
//! JSON shape of a coded session (the contract other tools rely on).

use rapport_core::{
    Band, Behaviour, CodedSession, CodedUtterance, CounselorCode, Metric, QuestionType,
    ReflectionType, Speaker, Summary, Talk, Utterance, UtteranceCode,
};

fn counselor(
    text: &str,
    behaviour: Behaviour,
    q: Option<QuestionType>,
    r: Option<ReflectionType>,
) -> CodedUtterance {
    CodedUtterance {
        index: 0,
        utterance: Utterance {
            speaker: Speaker::Counselor,
            name: Some("Dana Whitfield".into()),
            text: text.into(),
            start: Some(1.2),
            end: Some(6.9),
        },
        code: UtteranceCode::Counselor(CounselorCode {
            behaviour,
            question_type: q,
            reflection_type: r,
        }),
        confidence: 0.91,
    }
}

fn client(text: &str, talk: Talk) -> CodedUtterance {
    CodedUtterance {
        index: 0,
        utterance: Utterance {
            speaker: Speaker::Client,
            name: Some("Marcus Lee".into()),
            text: text.into(),
            start: None,
            end: None,
        },
        code: UtteranceCode::Client { talk },
        confidence: 0.66,
    }
}

/// The example session: 3 questions (2 open), 4 reflections (2 complex),
/// 1 input; 3 change, 3 neutral, 2 sustain; 20 words each side.
fn example() -> Vec<CodedUtterance> {
    use Behaviour::*;
    vec![
        counselor(
            "What brings you in?",
            Question,
            Some(QuestionType::Open),
            None,
        ),
        client("My drinking.", Talk::Neutral),
        counselor("How much?", Question, Some(QuestionType::Open), None),
        client("Too much.", Talk::Change),
        counselor("Daily?", Question, Some(QuestionType::Closed), None),
        client("Yes.", Talk::Neutral),
        counselor("Daily.", Reflection, None, Some(ReflectionType::Simple)),
        client("It helps me relax.", Talk::Sustain),
        counselor(
            "It relaxes you.",
            Reflection,
            None,
            Some(ReflectionType::Simple),
        ),
        client("I want to stop.", Talk::Change),
        counselor(
            "You are ready.",
            Reflection,
            None,
            Some(ReflectionType::Complex),
        ),
        client("Maybe.", Talk::Neutral),
        counselor(
            "Part of you worries.",
            Reflection,
            None,
            Some(ReflectionType::Complex),
        ),
        client("I like it though.", Talk::Sustain),
        counselor("Cut down.", Input, None, None),
        client("I will.", Talk::Change),
    ]
}

#[test]
fn counts_and_figures_match_the_hand_computed_case() {
    let s = Summary::from_utterances(&example());
    assert_eq!((s.counselor_utterances, s.client_utterances), (8, 8));
    assert_eq!(
        (s.questions, s.open_questions, s.closed_questions),
        (3, 2, 1)
    );
    assert_eq!(
        (s.reflections, s.simple_reflections, s.complex_reflections),
        (4, 2, 2)
    );
    assert_eq!((s.inputs, s.other), (1, 0));
    assert_eq!((s.change_talk, s.neutral_talk, s.sustain_talk), (3, 3, 2));
    // R:Q = 4 / 3; %CR = 2 / 4; open = 2 / 3; change = 3 / (3 + 2).
    assert_eq!(s.reflection_to_question_ratio, Some(1.33));
    assert_eq!(s.percent_complex_reflections, Some(50.0));
    assert_eq!(s.percent_open_questions, Some(66.7));
    assert_eq!(s.change_talk_percent, Some(60.0));
    // Counsellor words: 4+2+1+1+3+3+4+2 = 20; client: 2+2+1+4+4+1+4+2 = 20.
    assert_eq!(s.counselor_talk_share, Some(0.5));
    assert_eq!(s.bands[&Metric::ReflectionToQuestionRatio], Band::Fair);
    assert_eq!(s.bands[&Metric::PercentComplexReflections], Band::Good);
}

#[test]
fn bands_follow_miti_thresholds_at_their_edges() {
    use Behaviour::*;
    // R:Q exactly 2:1 is good; %CR exactly 40 % is fair.
    let mut u = vec![counselor("Why?", Question, Some(QuestionType::Open), None)];
    for _ in 0..3 {
        u.push(counselor(
            "You feel stuck.",
            Reflection,
            None,
            Some(ReflectionType::Simple),
        ));
    }
    let s = Summary::from_utterances(&u);
    assert_eq!(s.reflection_to_question_ratio, Some(3.0));
    assert_eq!(s.bands[&Metric::PercentComplexReflections], Band::BelowFair);

    let mut edge = vec![
        counselor("Why?", Question, Some(QuestionType::Open), None),
        counselor("And?", Question, Some(QuestionType::Open), None),
    ];
    for r in [
        ReflectionType::Complex,
        ReflectionType::Complex,
        ReflectionType::Simple,
        ReflectionType::Simple,
        ReflectionType::Simple,
    ] {
        edge.push(counselor("So.", Reflection, None, Some(r)));
    }
    let s = Summary::from_utterances(&edge[..6]);
    assert_eq!(s.reflection_to_question_ratio, Some(2.0));
    assert_eq!(s.bands[&Metric::ReflectionToQuestionRatio], Band::Good);
    let s = Summary::from_utterances(&edge);
    assert_eq!(s.percent_complex_reflections, Some(40.0));
    assert_eq!(s.bands[&Metric::PercentComplexReflections], Band::Fair);
}

#[test]
fn figures_without_a_denominator_are_null_and_unbanded() {
    let s = Summary::from_utterances(&[client("Hello.", Talk::Neutral)]);
    assert_eq!(s.reflection_to_question_ratio, None);
    assert_eq!(s.percent_complex_reflections, None);
    assert_eq!(s.percent_open_questions, None);
    assert_eq!(s.change_talk_percent, None);
    assert_eq!(s.counselor_talk_share, Some(0.0));
    assert!(s.bands.is_empty());
    let json = serde_json::to_value(&s).unwrap();
    assert!(json["reflection_to_question_ratio"].is_null());

    let empty = Summary::from_utterances(&[]);
    assert_eq!(empty.counselor_talk_share, None);
}

#[test]
fn coded_session_json_has_the_contract_shape() {
    let utterances = example();
    let session = CodedSession {
        id: "session".into(),
        source: "session.vtt".into(),
        summary: Summary::from_utterances(&utterances),
        utterances,
    };
    let json = serde_json::to_value(&session).unwrap();
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&json), ["id", "source", "summary", "utterances"]);
    let first = &json["utterances"][0];
    assert_eq!(
        keys(first),
        [
            "behaviour",
            "confidence",
            "end",
            "index",
            "name",
            "question_type",
            "reflection_type",
            "speaker",
            "start",
            "text"
        ]
    );
    assert_eq!(first["speaker"], "counselor");
    assert_eq!(first["behaviour"], "question");
    assert_eq!(first["question_type"], "open");
    assert!(first["reflection_type"].is_null());
    let second = &json["utterances"][1];
    assert_eq!(
        keys(second),
        [
            "confidence",
            "end",
            "index",
            "name",
            "speaker",
            "start",
            "talk",
            "text"
        ]
    );
    assert_eq!(second["talk"], "neutral");
    assert!(second["start"].is_null());
    let summary = &json["summary"];
    for key in [
        "counselor_utterances",
        "client_utterances",
        "questions",
        "open_questions",
        "closed_questions",
        "reflections",
        "simple_reflections",
        "complex_reflections",
        "inputs",
        "other",
        "change_talk",
        "neutral_talk",
        "sustain_talk",
        "reflection_to_question_ratio",
        "percent_complex_reflections",
        "percent_open_questions",
        "change_talk_percent",
        "counselor_talk_share",
        "bands",
    ] {
        assert!(summary.get(key).is_some(), "summary lacks {key}");
    }
    assert_eq!(summary["bands"]["reflection_to_question_ratio"], "fair");

    // And it reads back as it was written.
    let back: CodedSession = serde_json::from_value(json).unwrap();
    assert_eq!(back, session);
}

#[test]
fn a_band_is_called_only_where_the_whole_interval_lies_in_it() {
    use std::collections::BTreeMap;
    // The example: R:Q 4/3 = 1.33 (fair), %CR 50 (good), 66.7 % open, 60 % change talk.
    let mut s = Summary::from_utterances(&example());
    assert_eq!(s.bands[&Metric::ReflectionToQuestionRatio], Band::Fair);
    let intervals = BTreeMap::from([
        // Straddles "good" at 2: uncertain.
        (Metric::ReflectionToQuestionRatio, Some([1.104, 2.3456])),
        // Wholly inside "good" (>= 50).
        (Metric::PercentComplexReflections, Some([50.0, 71.44])),
        (Metric::PercentOpenQuestions, Some([40.0, 90.0])),
        (Metric::ChangeTalkPercent, None),
    ]);
    s.attach_intervals(0.8, intervals);
    assert_eq!(s.bands[&Metric::ReflectionToQuestionRatio], Band::Uncertain);
    assert_eq!(s.bands[&Metric::PercentComplexReflections], Band::Good);
    // No MITI threshold, no band, interval or not.
    assert!(!s.bands.contains_key(&Metric::PercentOpenQuestions));
    // Rounded as the figures are.
    assert_eq!(
        s.intervals[&Metric::ReflectionToQuestionRatio],
        Some([1.1, 2.35])
    );
    assert_eq!(
        s.intervals[&Metric::PercentComplexReflections],
        Some([50.0, 71.4])
    );

    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["interval_level"], 0.8);
    assert_eq!(json["bands"]["reflection_to_question_ratio"], "uncertain");
    assert_eq!(
        json["intervals"]["reflection_to_question_ratio"],
        serde_json::json!([1.1, 2.35])
    );
    assert!(json["intervals"]["change_talk_percent"].is_null());
    assert!(json["intervals"].get("change_talk_percent").is_some());
    let back: Summary = serde_json::from_value(json).unwrap();
    assert_eq!(back, s);
}

#[test]
fn a_summary_without_intervals_writes_neither_key() {
    let json = serde_json::to_value(Summary::from_utterances(&example())).unwrap();
    assert!(json.get("interval_level").is_none());
    assert!(json.get("intervals").is_none());
}
