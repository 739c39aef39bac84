//! Errors of the text crate: bad models, bad taxonomies, unusable training data.

/// What went wrong, saying where.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TextError {
    /// A model file that is not a cxm sentiment model, or is damaged.
    #[error("sentiment model: {0}")]
    Model(String),
    /// A theme taxonomy that cannot be used.
    #[error("theme taxonomy: {0}")]
    Taxonomy(String),
    /// Training data that cannot train a model.
    #[error("training: {0}")]
    Training(String),
}
