//! Expert-coded training data in AnnoMI's CSV layout: one row per utterance, with
//! `transcript_id`, `utterance_id`, `interlocutor`, `utterance_text`,
//! `main_therapist_behaviour`, `question_subtype`, `reflection_subtype`,
//! `client_talk_type`, `mi_quality` and a grouping column such as `video_url`.

use std::collections::HashMap;
use std::path::Path;

use rapport_core::{
    Behaviour, CounselorCode, QuestionType, ReflectionType, Speaker, Talk, UtteranceCode,
};

/// The expert code of one utterance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Label {
    /// A counsellor utterance.
    Counselor {
        /// Main behaviour.
        behaviour: Behaviour,
        /// Open or closed, where the utterance contains a question.
        question_type: Option<QuestionType>,
        /// Simple or complex, where the utterance contains a reflection.
        reflection_type: Option<ReflectionType>,
    },
    /// A client utterance.
    Client {
        /// Change, neutral or sustain talk.
        talk: Talk,
    },
}

impl Label {
    /// The expert's code as a coded session writes codes.
    pub fn code(&self) -> UtteranceCode {
        match *self {
            Label::Counselor {
                behaviour,
                question_type,
                reflection_type,
            } => UtteranceCode::Counselor(CounselorCode {
                behaviour,
                question_type,
                reflection_type,
            }),
            Label::Client { talk } => UtteranceCode::Client { talk },
        }
    }
}

/// One coded utterance.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledUtterance {
    /// Who spoke.
    pub speaker: Speaker,
    /// What was said.
    pub text: String,
    /// The expert's code.
    pub label: Label,
    /// The sentence encoder's vector of `text`, once attached for a model that reads it.
    pub embedding: Option<Vec<f32>>,
}

/// One coded session.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledSession {
    /// `transcript_id`.
    pub id: String,
    /// The value of the grouping column (the video), kept whole within one fold.
    pub group: String,
    /// AnnoMI's `mi_quality` (high or low), where given.
    pub high_quality: Option<bool>,
    /// Utterances in `utterance_id` order.
    pub utterances: Vec<LabelledUtterance>,
}

/// A coded data set.
#[derive(Debug, Clone, PartialEq)]
pub struct Corpus {
    /// Where it was read from.
    pub source: String,
    /// Sessions in order of first appearance.
    pub sessions: Vec<LabelledSession>,
}

/// Training data that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    /// Embeddings that do not match the utterances one to one.
    #[error("{found} embeddings for {expected} utterances")]
    Embeddings {
        /// Embeddings given.
        found: usize,
        /// Utterances in the corpus.
        expected: usize,
    },
    /// The file could not be opened.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// The CSV is malformed or a value is not a known code.
    #[error("{file}:{line}: {message}")]
    Invalid {
        /// The file.
        file: String,
        /// 1-based line (0 when the position is unknown).
        line: u64,
        /// What is wrong and what to do.
        message: String,
    },
}

const REQUIRED: [&str; 8] = [
    "transcript_id",
    "utterance_id",
    "interlocutor",
    "utterance_text",
    "main_therapist_behaviour",
    "question_subtype",
    "reflection_subtype",
    "client_talk_type",
];

impl Corpus {
    /// Reads a CSV file, grouping sessions by the `group_by` column for cross-validation.
    pub fn from_path(path: &Path, group_by: &str) -> Result<Corpus, CorpusError> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| CorpusError::Io {
            file: file.clone(),
            source,
        })?;
        Corpus::from_bytes(&file, &bytes, group_by)
    }

    /// Reads CSV bytes; `file` names them in errors.
    pub fn from_bytes(file: &str, bytes: &[u8], group_by: &str) -> Result<Corpus, CorpusError> {
        let invalid = |line: u64, message: String| CorpusError::Invalid {
            file: file.to_string(),
            line,
            message,
        };
        let mut reader = csv::Reader::from_reader(bytes);
        let headers = reader
            .headers()
            .map_err(|e| invalid(1, format!("cannot read the header: {e}")))?
            .clone();
        let column = |name: &str| headers.iter().position(|h| h.trim() == name);
        let mut index = HashMap::new();
        for name in REQUIRED.iter().copied().chain([group_by]) {
            let i = column(name).ok_or_else(|| {
                invalid(
                    1,
                    format!("missing column \"{name}\"; the AnnoMI layout is expected"),
                )
            })?;
            index.insert(name, i);
        }
        let quality = column("mi_quality");

        let mut sessions: Vec<(LabelledSession, Vec<i64>)> = Vec::new();
        let mut by_id: HashMap<String, usize> = HashMap::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                invalid(line, format!("malformed CSV: {e}"))
            })?;
            let line = record.position().map_or(0, |p| p.line());
            let field = |name: &str| record.get(index[name]).unwrap_or("").trim();
            let order: i64 = field("utterance_id").parse().map_err(|_| {
                invalid(
                    line,
                    format!(
                        "utterance_id \"{}\" is not an integer",
                        field("utterance_id")
                    ),
                )
            })?;
            let speaker = match field("interlocutor").to_ascii_lowercase().as_str() {
                "therapist" | "counselor" | "counsellor" => Speaker::Counselor,
                "client" | "patient" => Speaker::Client,
                other => {
                    return Err(invalid(
                        line,
                        format!("interlocutor \"{other}\" is neither therapist nor client"),
                    ));
                }
            };
            let label = match speaker {
                Speaker::Counselor => Label::Counselor {
                    behaviour: parse_behaviour(field("main_therapist_behaviour")).ok_or_else(
                        || {
                            invalid(
                                line,
                                format!(
                                    "main_therapist_behaviour \"{}\" is not question, \
                                     reflection, therapist_input or other",
                                    field("main_therapist_behaviour")
                                ),
                            )
                        },
                    )?,
                    question_type: match field("question_subtype") {
                        "open" => Some(QuestionType::Open),
                        "closed" => Some(QuestionType::Closed),
                        _ => None,
                    },
                    reflection_type: match field("reflection_subtype") {
                        "simple" => Some(ReflectionType::Simple),
                        "complex" => Some(ReflectionType::Complex),
                        _ => None,
                    },
                },
                Speaker::Client => Label::Client {
                    talk: match field("client_talk_type") {
                        "change" => Talk::Change,
                        "neutral" => Talk::Neutral,
                        "sustain" => Talk::Sustain,
                        other => {
                            return Err(invalid(
                                line,
                                format!(
                                    "client_talk_type \"{other}\" is not change, neutral or sustain"
                                ),
                            ));
                        }
                    },
                },
            };
            let id = field("transcript_id").to_string();
            let slot = *by_id.entry(id.clone()).or_insert_with(|| {
                sessions.push((
                    LabelledSession {
                        id,
                        group: field(group_by).to_string(),
                        high_quality: quality.and_then(|q| match record.get(q)?.trim() {
                            "high" => Some(true),
                            "low" => Some(false),
                            _ => None,
                        }),
                        utterances: Vec::new(),
                    },
                    Vec::new(),
                ));
                sessions.len() - 1
            });
            let (session, orders) = &mut sessions[slot];
            session.utterances.push(LabelledUtterance {
                speaker,
                text: field("utterance_text").to_string(),
                label,
                embedding: None,
            });
            orders.push(order);
        }
        if sessions.is_empty() {
            return Err(invalid(0, "no coded utterances".into()));
        }
        let sessions = sessions
            .into_iter()
            .map(|(mut session, orders)| {
                let mut keyed: Vec<(i64, LabelledUtterance)> =
                    orders.into_iter().zip(session.utterances).collect();
                keyed.sort_by_key(|(order, _)| *order);
                session.utterances = keyed.into_iter().map(|(_, u)| u).collect();
                session
            })
            .collect();
        Ok(Corpus {
            source: file.to_string(),
            sessions,
        })
    }

    /// Number of utterances.
    pub fn utterances(&self) -> usize {
        self.sessions.iter().map(|s| s.utterances.len()).sum()
    }

    /// Every utterance's text, session by session, in order.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.sessions
            .iter()
            .flat_map(|s| s.utterances.iter().map(|u| u.text.as_str()))
    }

    /// A copy as speech-to-text would have written it: every utterance's text
    /// [`machine_like`](crate::text::machine_like), without embeddings (they belong to
    /// the original text).
    pub fn machine_like(&self) -> Corpus {
        let mut copy = self.clone();
        for utterance in copy.sessions.iter_mut().flat_map(|s| &mut s.utterances) {
            utterance.text = crate::text::machine_like(&utterance.text);
            utterance.embedding = None;
        }
        copy.source = format!("{} (lower case, no punctuation)", self.source);
        copy
    }

    /// Attaches one embedding per utterance, in the order of [`Corpus::texts`].
    pub fn attach_embeddings(&mut self, embeddings: Vec<Vec<f32>>) -> Result<(), CorpusError> {
        if embeddings.len() != self.utterances() {
            return Err(CorpusError::Embeddings {
                found: embeddings.len(),
                expected: self.utterances(),
            });
        }
        let mut vectors = embeddings.into_iter();
        for utterance in self.sessions.iter_mut().flat_map(|s| &mut s.utterances) {
            utterance.embedding = vectors.next();
        }
        Ok(())
    }
}

fn parse_behaviour(value: &str) -> Option<Behaviour> {
    match value {
        "question" => Some(Behaviour::Question),
        "reflection" => Some(Behaviour::Reflection),
        "therapist_input" | "input" => Some(Behaviour::Input),
        "other" => Some(Behaviour::Other),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "mi_quality,transcript_id,video_url,utterance_id,interlocutor,\
        utterance_text,main_therapist_behaviour,question_subtype,reflection_subtype,client_talk_type\n";

    #[test]
    fn reads_sessions_in_utterance_order() {
        let csv = format!(
            "{HEADER}high,7,v1,1,client,I might cut down.,n/a,n/a,n/a,change\n\
             high,7,v1,0,therapist,What would you like to change?,question,open,n/a,n/a\n\
             low,8,v2,0,therapist,You drink too much.,therapist_input,n/a,n/a,n/a\n"
        );
        let corpus = Corpus::from_bytes("d.csv", csv.as_bytes(), "video_url").unwrap();
        assert_eq!(corpus.sessions.len(), 2);
        let first = &corpus.sessions[0];
        assert_eq!(first.group, "v1");
        assert_eq!(first.high_quality, Some(true));
        assert_eq!(first.utterances[0].speaker, Speaker::Counselor);
        assert_eq!(
            first.utterances[0].label,
            Label::Counselor {
                behaviour: Behaviour::Question,
                question_type: Some(QuestionType::Open),
                reflection_type: None
            }
        );
        assert_eq!(
            first.utterances[1].label,
            Label::Client { talk: Talk::Change }
        );
    }

    #[test]
    fn unknown_codes_name_the_line() {
        let csv = format!("{HEADER}high,7,v1,0,client,Hm.,n/a,n/a,n/a,maybe\n");
        let err = Corpus::from_bytes("d.csv", csv.as_bytes(), "video_url").unwrap_err();
        assert_eq!(
            err.to_string(),
            "d.csv:2: client_talk_type \"maybe\" is not change, neutral or sustain"
        );
    }

    #[test]
    fn a_missing_group_column_is_named() {
        let err = Corpus::from_bytes("d.csv", HEADER.as_bytes(), "session_group").unwrap_err();
        assert!(err.to_string().contains("missing column \"session_group\""));
    }
}
