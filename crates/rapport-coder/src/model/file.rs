//! The model file: safetensors, one tensor per weight vector, and metadata holding the
//! vocabularies, the feature and layer settings, and the model's provenance and figures.

use std::collections::HashMap;

use rapport_core::{Behaviour, QuestionType, ReflectionType, Talk};
use safetensors::{Dtype, SafeTensors, tensor::TensorView};
use serde::{Deserialize, Serialize};

use crate::features::{BlockSpec, DenseSpec, FeatureSpace};
use crate::linear::Softmax;
use crate::quality::{self, QualityModel, QualityParts};
use crate::vectorizer::TfidfBlock;

use super::{Heads, Model, ModelInfo};

/// The file format written into the metadata, checked on load.
pub const FORMAT: &str = "rapport-coder/2";

/// A model file that could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Not a safetensors file, or a damaged one.
    #[error("not a Rapport model file ({0}); retrain it with `rapport train`")]
    Format(String),
    /// A safetensors file of another kind or version.
    #[error("model format \"{found}\" is not {FORMAT}; retrain it with `rapport train`")]
    Version {
        /// The format found.
        found: String,
    },
}

impl Model {
    /// The model as safetensors bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ModelError> {
        let mut buffers: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
        let mut blocks = Vec::new();
        for (i, (spec, block)) in self.features.blocks.iter().enumerate() {
            buffers.push((
                format!("features.{i}.idf"),
                vec![block.width()],
                f32_bytes(&block.idf),
            ));
            blocks.push(StoredBlock {
                spec: *spec,
                terms: block.terms(),
            });
        }
        let mut push_head = |name: &str, head: &Softmax| {
            buffers.push((
                format!("{name}.weight"),
                vec![head.classes, head.width],
                f32_bytes(&head.weights),
            ));
            buffers.push((
                format!("{name}.bias"),
                vec![head.classes],
                f32_bytes(&head.bias),
            ));
            buffers.push((
                format!("{name}.temperature"),
                vec![1],
                f32_bytes(&[head.temperature]),
            ));
        };
        for (name, head) in self.heads.named() {
            push_head(name, head);
        }
        let mut quality_header = None;
        if let Some(quality) = &self.quality {
            push_head("quality", &quality.head);
            buffers.push((
                "quality.idf".into(),
                vec![quality.words.idf.len()],
                f32_bytes(&quality.words.idf),
            ));
            quality_header = Some(StoredQuality {
                terms: quality.words.terms(),
                profile_weight: quality.profile_weight,
            });
        }
        let header = StoredHeader {
            format: FORMAT.into(),
            info: self.info.clone(),
            blocks,
            dense: self.features.dense.clone(),
            dense_dim: self.features.dense_dim,
            context: NoConversationLayer,
            quality: quality_header,
        };
        let json = serde_json::to_string(&header).map_err(|e| ModelError::Format(e.to_string()))?;
        let views = buffers
            .iter()
            .map(|(name, shape, data)| {
                TensorView::new(Dtype::F32, shape.clone(), data)
                    .map(|view| (name.clone(), view))
                    .map_err(|e| ModelError::Format(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        safetensors::serialize(views, Some(HashMap::from([("rapport".to_string(), json)])))
            .map_err(|e| ModelError::Format(e.to_string()))
    }

    /// Reads a model from safetensors bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        let format = |e: &dyn std::fmt::Display| ModelError::Format(e.to_string());
        let (_, metadata) = SafeTensors::read_metadata(bytes).map_err(|e| format(&e))?;
        let json = metadata
            .metadata()
            .as_ref()
            .and_then(|m| m.get("rapport"))
            .ok_or_else(|| ModelError::Format("no Rapport metadata".into()))?;
        let found: FormatOnly = serde_json::from_str(json).map_err(|e| format(&e))?;
        if found.format != FORMAT {
            return Err(ModelError::Version {
                found: found.format,
            });
        }
        let header: StoredHeader = serde_json::from_str(json).map_err(|e| format(&e))?;
        let tensors = SafeTensors::deserialize(bytes).map_err(|e| format(&e))?;
        let read = |name: &str| -> Result<(Vec<usize>, Vec<f32>), ModelError> {
            let view = tensors.tensor(name).map_err(|e| format(&e))?;
            if view.dtype() != Dtype::F32 {
                return Err(ModelError::Format(format!("{name} is not f32")));
            }
            let values = view
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            Ok((view.shape().to_vec(), values))
        };
        let mut blocks = Vec::new();
        for (i, stored) in header.blocks.into_iter().enumerate() {
            let (_, idf) = read(&format!("features.{i}.idf"))?;
            if idf.len() != stored.terms.len() {
                return Err(ModelError::Format(format!(
                    "block {i} has {} terms but {} weights",
                    stored.terms.len(),
                    idf.len()
                )));
            }
            blocks.push((
                stored.spec,
                TfidfBlock::from_parts(stored.spec.analyzer, stored.terms, idf),
            ));
        }
        let features = FeatureSpace {
            blocks,
            dense: header.dense,
            dense_dim: header.dense_dim,
        };
        let width = features.width();
        let head = |name: &str, classes: usize, width: usize| -> Result<Softmax, ModelError> {
            let (shape, weights) = read(&format!("{name}.weight"))?;
            let (_, bias) = read(&format!("{name}.bias"))?;
            if shape != [classes, width] || bias.len() != classes {
                return Err(ModelError::Format(format!(
                    "{name} has shape {shape:?}, expected [{classes}, {width}]"
                )));
            }
            let (_, temperature) = read(&format!("{name}.temperature"))?;
            let temperature = match temperature.as_slice() {
                [t] if t.is_finite() && *t > 0.0 => *t,
                _ => {
                    return Err(ModelError::Format(format!(
                        "{name}.temperature is not one positive number"
                    )));
                }
            };
            Ok(Softmax {
                classes,
                width,
                weights,
                bias,
                temperature,
            })
        };
        let heads = Heads {
            behaviour: head("behaviour", Behaviour::ALL.len(), width)?,
            question_type: head("question_type", QuestionType::ALL.len(), width)?,
            reflection_type: head("reflection_type", ReflectionType::ALL.len(), width)?,
            talk: head("talk", Talk::ALL.len(), width)?,
        };
        let quality = match header.quality {
            Some(stored) => {
                let (_, idf) = read("quality.idf")?;
                let quality_width = idf.len() + quality::PROFILE_LEN;
                let fitted = head("quality", 2, quality_width)?;
                let parts = QualityParts {
                    terms: stored.terms,
                    idf,
                    weights: fitted.weights,
                    bias: fitted.bias,
                    profile_weight: stored.profile_weight,
                };
                Some(QualityModel::from_parts(parts).map_err(|e| format(&e))?)
            }
            None => None,
        };
        Ok(Model {
            features,
            heads,
            quality,
            info: header.info,
        })
    }
}

fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

#[derive(Serialize, Deserialize)]
struct StoredBlock {
    spec: BlockSpec,
    terms: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct StoredQuality {
    terms: Vec<String>,
    profile_weight: f32,
}

#[derive(Deserialize)]
struct FormatOnly {
    format: String,
}

#[derive(Serialize, Deserialize)]
struct StoredHeader {
    format: String,
    info: ModelInfo,
    blocks: Vec<StoredBlock>,
    #[serde(default)]
    dense: Vec<DenseSpec>,
    #[serde(default)]
    dense_dim: usize,
    #[serde(default)]
    context: NoConversationLayer,
    #[serde(default)]
    quality: Option<StoredQuality>,
}

/// The slot in which research builds recorded a conversation layer (a second pass
/// reading the first pass's codes of the turns around each utterance; measured and
/// dropped, see `docs/research.md`). Written as `null`, so that model files keep their
/// layout; a file whose slot holds a layer is refused, since its heads read columns
/// this build does not compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct NoConversationLayer;

impl Serialize for NoConversationLayer {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_none()
    }
}

impl<'de> Deserialize<'de> for NoConversationLayer {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Option::<serde::de::IgnoredAny>::deserialize(deserializer)? {
            None => Ok(NoConversationLayer),
            Some(_) => Err(serde::de::Error::custom(
                "the model has a conversation layer, which this Rapport does not have; retrain it with `rapport train`",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::NoConversationLayer;

    #[test]
    fn the_retired_conversation_layer_slot_is_null_and_a_filled_one_is_refused() {
        assert_eq!(serde_json::to_string(&NoConversationLayer).unwrap(), "null");
        assert_eq!(
            serde_json::from_str::<NoConversationLayer>("null").unwrap(),
            NoConversationLayer
        );
        let err = serde_json::from_str::<NoConversationLayer>(
            r#"{"offsets": [-1, 0, 1], "weight": 1.0, "inner_folds": 5}"#,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("conversation layer") && err.to_string().contains("retrain"),
            "{err}"
        );
    }
}
