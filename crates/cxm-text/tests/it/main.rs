//! Integration tests of cxm-text: behaviour on hand-made comments, the shipped models'
//! reproducibility, robustness on arbitrary input, and (when ../shared is present) accuracy
//! floors on the public evaluation sets.

mod analysis;
mod robustness;
mod training;
