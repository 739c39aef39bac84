//! Training and evaluating sentiment models on labelled comments.
//!
//! Training is multinomial logistic regression by stochastic gradient descent with AdaGrad
//! step sizes and a small L2 penalty, over the hashed features of every clause of a comment.
//! The order of examples in each epoch comes from a seeded generator, and the arithmetic is the
//! same on every run, so the same data and options always give the same model, byte for byte.
//!
//! Evaluation predicts among the classes present in the evaluation data (a three-class model
//! scored on positive/negative data chooses between those two), and reports accuracy,
//! macro-averaged F1 and the confusion matrix.

use serde::Serialize;

use cxm_stats::SplitMix64;

use crate::model::{Polarity, SentimentModel, softmax};
use crate::{TextError, comment_features};

/// Options of [`train`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainingOptions {
    /// Hash bits (2^bits buckets per class).
    pub bits: u32,
    /// Passes over the data.
    pub epochs: usize,
    /// AdaGrad's base step.
    pub learning_rate: f32,
    /// L2 penalty per update.
    pub l2: f32,
    /// Seed of the example order.
    pub seed: u64,
}

impl Default for TrainingOptions {
    fn default() -> Self {
        TrainingOptions {
            bits: 20,
            epochs: 8,
            learning_rate: 0.3,
            l2: 1e-6,
            seed: 0x5EED,
        }
    }
}

/// Trains a model for `language` on `(text, label)` examples.
///
/// # Errors
/// [`TextError::Training`] without examples, with fewer than two classes, with bits outside
/// 8..=24, or with a language tag longer than the file format's 255 bytes.
pub fn train(
    examples: &[(String, Polarity)],
    language: &str,
    options: TrainingOptions,
) -> Result<SentimentModel, TextError> {
    if !(8..=24).contains(&options.bits) {
        return Err(TextError::Training(format!(
            "hash bits {} outside 8..=24",
            options.bits
        )));
    }
    if language.len() > 255 {
        return Err(TextError::Training(format!(
            "the language tag {language:?} is longer than 255 bytes"
        )));
    }
    let mut classes: Vec<Polarity> = examples.iter().map(|(_, l)| *l).collect();
    classes.sort();
    classes.dedup();
    if classes.len() < 2 {
        return Err(TextError::Training(format!(
            "{} examples in {} class(es); a model needs at least two classes",
            examples.len(),
            classes.len()
        )));
    }
    let c = classes.len();
    let data: Vec<(Vec<u32>, usize)> = examples
        .iter()
        .map(|(text, label)| {
            let class = classes.iter().position(|k| k == label).unwrap_or(0);
            (comment_features(text, options.bits), class)
        })
        .collect();
    let mut model = SentimentModel::zeros(language, options.bits, classes);
    let mut squares = vec![1e-8f32; model.weights.len()];
    let mut bias_squares = vec![1e-8f32; c];
    let mut rng = SplitMix64::new(options.seed);
    let mut order: Vec<usize> = (0..data.len()).collect();
    let mut logits = vec![0.0f32; c];
    let mut gradient = vec![0.0f32; c];
    for _ in 0..options.epochs {
        rng.shuffle(&mut order);
        for &index in &order {
            let (features, class) = &data[index];
            model.logits(features, &mut logits);
            let probabilities = softmax(&logits);
            for (k, g) in gradient.iter_mut().enumerate() {
                *g = probabilities[k] as f32 - f32::from(u8::from(k == *class));
            }
            for ((bias, square), g) in model.bias.iter_mut().zip(&mut bias_squares).zip(&gradient) {
                *square += g * g;
                *bias -= options.learning_rate * g / square.sqrt();
            }
            for &feature in features {
                let row = feature as usize * c;
                for (k, step) in gradient.iter().enumerate() {
                    let slot = row + k;
                    let g = step + options.l2 * model.weights[slot];
                    squares[slot] += g * g;
                    model.weights[slot] -= options.learning_rate * g / squares[slot].sqrt();
                }
            }
        }
    }
    Ok(model)
}

/// `(training, held out)`: a shuffle with a fixed seed (20261123), the last `share` held out.
/// `cxm text train --hold-out S` trains on the first part and `cxm text eval --hold-out S`
/// scores the second, so a model is never evaluated on what it was trained on.
pub fn hold_out_split<T>(mut items: Vec<T>, share: f64) -> (Vec<T>, Vec<T>) {
    SplitMix64::new(20_261_123).shuffle(&mut items);
    let keep = ((items.len() as f64) * share.clamp(0.0, 1.0)).round() as usize;
    let held_out = items.split_off(items.len() - keep);
    (items, held_out)
}

/// How well a model's labels agree with given ones.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Comments scored.
    pub n: usize,
    /// Share of comments labelled right.
    pub accuracy: f64,
    /// Mean over classes of F1.
    pub macro_f1: f64,
    /// The classes, in the order of the matrix.
    pub classes: Vec<Polarity>,
    /// F1 per class.
    pub f1: Vec<f64>,
    /// `confusion[actual][predicted]`.
    pub confusion: Vec<Vec<u64>>,
}

/// Scores predicted labels against actual ones.
pub fn evaluate(pairs: &[(Polarity, Polarity)]) -> Evaluation {
    let mut classes: Vec<Polarity> = pairs.iter().flat_map(|(a, p)| [*a, *p]).collect();
    classes.sort();
    classes.dedup();
    let index = |p: &Polarity| classes.iter().position(|k| k == p).unwrap_or(0);
    let mut confusion = vec![vec![0u64; classes.len()]; classes.len()];
    for (actual, predicted) in pairs {
        confusion[index(actual)][index(predicted)] += 1;
    }
    let correct: u64 = (0..classes.len()).map(|k| confusion[k][k]).sum();
    let f1: Vec<f64> = (0..classes.len())
        .map(|k| {
            let tp = confusion[k][k] as f64;
            let predicted: u64 = confusion.iter().map(|row| row[k]).sum();
            let actual: u64 = confusion[k].iter().sum();
            if tp == 0.0 {
                0.0
            } else {
                2.0 * tp / (predicted as f64 + actual as f64)
            }
        })
        .collect();
    Evaluation {
        n: pairs.len(),
        accuracy: if pairs.is_empty() {
            0.0
        } else {
            correct as f64 / pairs.len() as f64
        },
        macro_f1: if f1.is_empty() {
            0.0
        } else {
            f1.iter().sum::<f64>() / f1.len() as f64
        },
        classes,
        f1,
        confusion,
    }
}
