//! Terms of a comment for topic counting: Chinese words by jieba-rs (its embedded dictionary
//! plus cxm's CX words, so 物流, 退款, 客服 and the like come out whole), English words by
//! letters and digits, both without stopwords, numbers or single characters, and pairs of
//! adjacent terms as phrases.

use std::collections::HashSet;
use std::sync::OnceLock;

use jieba_rs::Jieba;

use crate::language::is_han;

/// Words jieba's dictionary lacks or splits, common in customer comments.
const CX_WORDS: &[&str] = &[
    "客服",
    "售后",
    "退款",
    "退货",
    "换货",
    "物流",
    "快递员",
    "发货",
    "到货",
    "性价比",
    "差评",
    "好评",
    "闪退",
    "卡顿",
    "验证码",
    "不耐烦",
    "态度差",
    "服务态度",
    "送货上门",
    "七天无理由",
    "运费险",
    "优惠券",
    "满减",
    "双十一",
    "会员卡",
    "积分",
    "扣费",
    "乱收费",
    "没人理",
];

const STOPWORDS_ZH: &[&str] = &[
    "的", "了", "是", "我", "也", "很", "都", "就", "还", "在", "和", "有", "这", "那", "个", "吧",
    "啊", "呢", "吗", "呀", "哦", "嗯", "么", "着", "过", "被", "把", "给", "跟", "对", "说", "要",
    "会", "能", "可以", "一个", "这个", "那个", "我们", "你们", "他们", "自己", "什么", "没有",
    "就是", "还是", "但是", "因为", "所以", "如果", "而且", "然后", "已经", "真的", "非常", "比较",
    "感觉", "觉得", "东西", "一下", "一次", "一直", "时候", "现在", "这样", "那么", "怎么", "不是",
    "还有", "不过", "可能", "一点", "有点", "特别", "这次",
];

const STOPWORDS_EN: &[&str] = &[
    "the", "and", "for", "you", "your", "was", "were", "are", "with", "this", "that", "have",
    "has", "had", "not", "but", "they", "them", "their", "from", "our", "out", "all", "just",
    "get", "got", "can", "will", "would", "there", "been", "what", "when", "who", "its", "it's",
    "about", "into", "than", "then", "too", "very", "more", "one", "two", "did", "does", "don't",
    "i'm", "i've", "we", "me", "my", "she", "her", "his", "him", "how", "why", "any", "some",
    "also", "only", "again", "even", "still", "now", "after", "before", "because", "which",
    "could", "should", "being", "over", "amp", "http", "https",
];

fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(|| {
        let mut jieba = Jieba::new();
        for word in CX_WORDS {
            jieba.add_word(word, Some(20_000), None);
        }
        jieba
    })
}

/// The distinct terms and phrases of a normalised comment, in order of first appearance.
pub fn terms(text: &str) -> Vec<String> {
    let mut words: Vec<Vec<String>> = Vec::new();
    for clause in crate::clauses(text) {
        let mut run: Vec<String> = Vec::new();
        for word in clause_words(clause.text) {
            if keep(&word) {
                run.push(word);
            }
        }
        words.push(run);
    }
    let mut seen: HashSet<String> = HashSet::new();
    let mut out: Vec<String> = Vec::new();
    let mut push = |term: String| {
        if seen.insert(term.clone()) {
            out.push(term);
        }
    };
    for run in &words {
        for (i, word) in run.iter().enumerate() {
            push(word.clone());
            if let Some(next) = run.get(i + 1) {
                let joiner = if word.is_ascii() && next.is_ascii() {
                    " "
                } else {
                    ""
                };
                push(format!("{word}{joiner}{next}"));
            }
        }
    }
    out
}

fn clause_words(clause: &str) -> Vec<String> {
    if clause.chars().any(is_han) {
        jieba()
            .cut(clause, false)
            .into_iter()
            .map(|token| token.word.trim().to_owned())
            .filter(|w| !w.is_empty())
            .collect()
    } else {
        clause
            .split(|c: char| !(c.is_alphanumeric() || c == '\''))
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

fn keep(word: &str) -> bool {
    let chars = word.chars().count();
    if word
        .chars()
        .all(|c| c.is_ascii_digit() || c.is_ascii_punctuation())
    {
        return false;
    }
    if word.chars().any(is_han) {
        chars >= 2 && !STOPWORDS_ZH.contains(&word)
    } else {
        chars >= 3
            && word.chars().all(|c| c.is_alphanumeric() || c == '\'')
            && !STOPWORDS_EN.contains(&word)
    }
}
