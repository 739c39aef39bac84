//! The linear sentiment model: multinomial logistic regression over hashed clause features
//! (`features.rs`), its versioned binary file format, and prediction.
//!
//! File layout (little-endian): the magic `CXMSENT1`; the language tag (u8 length, UTF-8); the
//! hash bits (u8); the classes (u8 count, then one code each: 0 negative, 1 neutral,
//! 2 positive); one f32 bias per class; the number of stored buckets (u32); then per bucket its
//! index (u32) and one f32 weight per class. Buckets whose weights are all zero are not
//! stored. Reading checks every field and says which one is wrong.

use serde::Serialize;

use crate::TextError;

/// The polarity of a comment or clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Polarity {
    /// Negative.
    Negative,
    /// Neither.
    Neutral,
    /// Positive.
    Positive,
}

impl Polarity {
    /// `negative`, `neutral` or `positive`.
    pub fn code(self) -> &'static str {
        match self {
            Polarity::Negative => "negative",
            Polarity::Neutral => "neutral",
            Polarity::Positive => "positive",
        }
    }

    /// Reads a label as found in labelled data: the names in English or Chinese, their
    /// abbreviations, and the numeric codes of common binary datasets (0 or −1 negative,
    /// 1 positive).
    pub fn parse(label: &str) -> Option<Polarity> {
        match label.trim().to_ascii_lowercase().as_str() {
            "negative" | "neg" | "-1" | "0" | "负面" | "消极" | "差评" => {
                Some(Polarity::Negative)
            }
            "neutral" | "neu" | "中性" | "中评" => Some(Polarity::Neutral),
            "positive" | "pos" | "1" | "+1" | "正面" | "积极" | "好评" => {
                Some(Polarity::Positive)
            }
            _ => None,
        }
    }

    fn from_code(code: u8) -> Option<Polarity> {
        match code {
            0 => Some(Polarity::Negative),
            1 => Some(Polarity::Neutral),
            2 => Some(Polarity::Positive),
            _ => None,
        }
    }

    fn to_code(self) -> u8 {
        match self {
            Polarity::Negative => 0,
            Polarity::Neutral => 1,
            Polarity::Positive => 2,
        }
    }
}

/// A trained sentiment model.
#[derive(Debug, Clone, PartialEq)]
pub struct SentimentModel {
    /// The language it was trained for (`zh`, `en`, or anything the trainer chose).
    pub language: String,
    /// Hash bits of its features.
    pub bits: u32,
    /// Its classes, in weight order.
    pub classes: Vec<Polarity>,
    /// Bias per class.
    pub bias: Vec<f32>,
    /// Weights, bucket by bucket, one per class.
    pub weights: Vec<f32>,
}

const MAGIC: &[u8; 8] = b"CXMSENT1";

impl SentimentModel {
    /// An untrained model (all weights zero).
    pub fn zeros(language: &str, bits: u32, classes: Vec<Polarity>) -> SentimentModel {
        let c = classes.len();
        SentimentModel {
            language: language.to_owned(),
            bits,
            bias: vec![0.0; c],
            weights: vec![0.0; (1usize << bits) * c],
            classes,
        }
    }

    /// The class scores (logits) of a bag of features.
    pub fn logits(&self, features: &[u32], out: &mut [f32]) {
        let c = self.classes.len();
        out[..c].copy_from_slice(&self.bias);
        self.accumulate(features, out);
    }

    /// Adds the features' weights (no bias) to `out`.
    pub fn accumulate(&self, features: &[u32], out: &mut [f32]) {
        let c = self.classes.len();
        if c == 3 {
            // The usual three classes: the sums stay in registers, added in the same order.
            let (mut a, mut b, mut d) = (out[0], out[1], out[2]);
            for &feature in features {
                let at = feature as usize * 3;
                let row = &self.weights[at..at + 3];
                a += row[0];
                b += row[1];
                d += row[2];
            }
            (out[0], out[1], out[2]) = (a, b, d);
            return;
        }
        for &feature in features {
            let row = &self.weights[feature as usize * c..feature as usize * c + c];
            for (o, w) in out[..c].iter_mut().zip(row) {
                *o += w;
            }
        }
    }

    /// Class probabilities (softmax of the logits), in `classes` order.
    pub fn probabilities(&self, features: &[u32]) -> Vec<f64> {
        let mut logits = vec![0.0f32; self.classes.len()];
        self.logits(features, &mut logits);
        softmax(&logits)
    }

    /// Serialises the model in the file layout above.
    pub fn to_bytes(&self) -> Vec<u8> {
        let c = self.classes.len();
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        // `train` refuses longer tags; a longer one set by hand is cut at a character boundary.
        let mut length = self.language.len().min(255);
        while !self.language.is_char_boundary(length) {
            length -= 1;
        }
        out.push(length as u8);
        out.extend_from_slice(&self.language.as_bytes()[..length]);
        out.push(self.bits as u8);
        out.push(c as u8);
        out.extend(self.classes.iter().map(|p| p.to_code()));
        for b in &self.bias {
            out.extend_from_slice(&b.to_le_bytes());
        }
        let rows: Vec<usize> = (0..1usize << self.bits)
            .filter(|&i| self.weights[i * c..i * c + c].iter().any(|w| *w != 0.0))
            .collect();
        out.extend_from_slice(&(rows.len() as u32).to_le_bytes());
        for row in rows {
            out.extend_from_slice(&(row as u32).to_le_bytes());
            for w in &self.weights[row * c..row * c + c] {
                out.extend_from_slice(&w.to_le_bytes());
            }
        }
        out
    }

    /// Reads a model written by [`SentimentModel::to_bytes`].
    ///
    /// # Errors
    /// [`TextError::Model`] naming the first field that is missing or wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<SentimentModel, TextError> {
        let mut reader = Reader { bytes, at: 0 };
        if !bytes.starts_with(MAGIC) || reader.take(8, "magic").is_err() {
            return Err(TextError::Model(
                "not a cxm sentiment model (the file does not start with CXMSENT1)".to_owned(),
            ));
        }
        let length = reader.u8("language length")? as usize;
        let language = std::str::from_utf8(reader.take(length, "language")?)
            .map_err(|_| TextError::Model("the language tag is not UTF-8".to_owned()))?
            .to_owned();
        let bits = u32::from(reader.u8("hash bits")?);
        if !(8..=24).contains(&bits) {
            return Err(TextError::Model(format!("hash bits {bits} outside 8..=24")));
        }
        let count = reader.u8("class count")? as usize;
        if !(2..=3).contains(&count) {
            return Err(TextError::Model(format!("{count} classes (need 2 or 3)")));
        }
        let classes = (0..count)
            .map(|i| {
                let code = reader.u8("class")?;
                Polarity::from_code(code)
                    .ok_or_else(|| TextError::Model(format!("class {i} has unknown code {code}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let bias = (0..count)
            .map(|_| reader.f32("bias"))
            .collect::<Result<Vec<_>, _>>()?;
        let rows = reader.u32("bucket count")? as usize;
        let mut model = SentimentModel::zeros(&language, bits, classes);
        model.bias = bias;
        for _ in 0..rows {
            let row = reader.u32("bucket")? as usize;
            if row >= 1 << bits {
                return Err(TextError::Model(format!(
                    "bucket {row} beyond 2^{bits} (byte {})",
                    reader.at - 4
                )));
            }
            for k in 0..count {
                model.weights[row * count + k] = reader.f32("weight")?;
            }
        }
        if reader.at != bytes.len() {
            return Err(TextError::Model(format!(
                "{} bytes after the last bucket",
                bytes.len() - reader.at
            )));
        }
        if model
            .bias
            .iter()
            .chain(&model.weights)
            .any(|w| !w.is_finite())
        {
            return Err(TextError::Model("a weight is not finite".to_owned()));
        }
        Ok(model)
    }
}

/// Softmax in f64, stable for large logits.
pub(crate) fn softmax(logits: &[f32]) -> Vec<f64> {
    let top = logits.iter().fold(f32::NEG_INFINITY, |m, v| m.max(*v));
    let exps: Vec<f64> = logits.iter().map(|v| f64::from(v - top).exp()).collect();
    let total: f64 = exps.iter().sum();
    exps.into_iter().map(|e| e / total).collect()
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], TextError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len());
        let Some(end) = end else {
            return Err(TextError::Model(format!(
                "the file ends inside the {what} (byte {})",
                self.at
            )));
        };
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn u8(&mut self, what: &str) -> Result<u8, TextError> {
        Ok(self.take(1, what)?[0])
    }

    fn u32(&mut self, what: &str) -> Result<u32, TextError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn f32(&mut self, what: &str) -> Result<f32, TextError> {
        let b = self.take(4, what)?;
        Ok(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}
