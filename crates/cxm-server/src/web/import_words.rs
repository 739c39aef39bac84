//! What the import page shows in the page's language: the import plan and its problems are
//! written in English by cxm-formats and cxm-domain; on Chinese pages the column descriptions
//! and the usual problems are said in Chinese (anything not known here stays English).

use crate::web::i18n::Lang;

/// What a column becomes, in the page's language (the plan says it in English; reasons it does
/// not know in Chinese stay English).
pub(crate) fn described(lang: Lang, text: &str) -> String {
    if lang == Lang::En {
        return text.to_owned();
    }
    const FIXED: [(&str, &str); 11] = [
        ("response id", "答卷编号"),
        ("submission time", "提交时间"),
        ("start time", "开始时间"),
        ("complete", "是否完成"),
        ("channel", "渠道"),
        ("language", "语言"),
        ("touchpoint", "触点"),
        ("hidden question ip", "隐藏题 ip"),
        ("customer id", "客户编号"),
        ("customer email", "客户邮箱"),
        ("customer name", "客户姓名"),
    ];
    if let Some((_, zh)) = FIXED.iter().find(|(en, _)| *en == text) {
        return (*zh).to_owned();
    }
    if let Some(key) = text.strip_prefix("dimension ") {
        return format!("维度 {key}");
    }
    if let Some(reason) = text.strip_prefix("ignored: ") {
        return format!("忽略：{}", reason_zh(reason));
    }
    if let Some(reason) = text.strip_prefix("not imported: ") {
        return format!("未导入：{reason}");
    }
    if let Some(rest) = text.strip_prefix("question ")
        && let Some((key, kind)) = rest.split_once(" (")
        && let Some((kind, item)) = kind.split_once(')')
    {
        let item = item
            .strip_prefix(", item ")
            .map(|item| format!("，选项/行 {item}"))
            .unwrap_or_default();
        return format!("题目 {key}（{}）{item}", kind_zh(kind));
    }
    text.to_owned()
}

/// A question kind as the plan names it (`csat 1–5`, `single choice, 3 options`), in Chinese.
fn kind_zh(kind: &str) -> String {
    const WORDS: [(&str, &str); 10] = [
        ("single choice", "单选"),
        ("multiple choice", "多选"),
        (" options", " 个选项"),
        (" rows", " 行"),
        ("rating", "评分"),
        ("matrix", "矩阵"),
        ("text", "文本"),
        ("hidden", "隐藏"),
        ("nps", "NPS"),
        (", ", "，"),
    ];
    WORDS
        .iter()
        .fold(kind.to_owned(), |text, (en, zh)| text.replace(en, zh))
        .replace("csat", "CSAT")
        .replace("ces", "CES")
}

/// Why a column is not imported, in Chinese where the reason is a known one.
fn reason_zh(reason: &str) -> String {
    const REASONS: [(&str, &str); 19] = [
        (
            "IP addresses are kept only with --keep-ip",
            "只有使用 --keep-ip 才保存 IP 地址",
        ),
        ("a second id column", "重复的编号列"),
        ("a second time column", "重复的时间列"),
        ("a second column for the same dimension", "同一维度的重复列"),
        ("no header", "没有表头"),
        ("no heading", "没有表头"),
        ("time taken", "答题用时"),
        ("quiz score", "测验总分"),
        ("update time", "更新时间"),
        ("row number", "行号"),
        ("duration", "用时"),
        ("response set", "答卷集"),
        ("legacy metadata", "旧版元数据"),
        ("unrecognised ImportId", "无法识别的 ImportId"),
        (
            "NPS group: recomputed from the score",
            "NPS 分组：按分数重新计算",
        ),
        (
            "location is personal data cxm does not keep",
            "位置属于个人数据，cxm 不保存",
        ),
        (
            "Text iQ output: cxm analyses the text itself",
            "Text iQ 结果：cxm 自行分析文本",
        ),
        ("recorded date; EndDate is used", "记录时间；使用 EndDate"),
        ("ignored by the mapping", "映射文件要求忽略"),
    ];
    REASONS
        .iter()
        .find(|(en, _)| *en == reason)
        .map_or_else(|| reason.to_owned(), |(_, zh)| (*zh).to_owned())
}

/// A problem found in a cell, in the page's language.
pub(crate) fn problem(lang: Lang, reason: &str) -> String {
    if lang == Lang::En {
        return reason.to_owned();
    }
    const FIXED: [(&str, &str); 3] = [
        ("the response id is empty", "答卷编号为空"),
        ("the submission time is empty", "提交时间为空"),
        (
            "not a number on the question's scale",
            "不是该题量表上的数字",
        ),
    ];
    if let Some((_, zh)) = FIXED.iter().find(|(en, _)| *en == reason) {
        return (*zh).to_owned();
    }
    if reason.starts_with("not a time cxm can read") {
        return "无法识别的时间（可用格式如 2026-09-03 12:00:00、2026/09/03 12:00、2026年9月3日、RFC 3339、Unix 秒）".to_owned();
    }
    if let Some(value) = reason.strip_suffix(" is not an option of this question") {
        return format!("{value} 不是该题的选项");
    }
    if let Some((number, scale)) = reason.split_once(" is outside the scale ") {
        return format!("{number} 超出量表 {scale}");
    }
    if let Some(time) = reason.strip_suffix(" is before 1970-01-05, the earliest date cxm stores") {
        return format!("{time} 早于 cxm 能存储的最早日期 1970-01-05");
    }
    if let Some(value) = reason.strip_suffix(" is not a whole number") {
        return format!("{value} 不是整数");
    }
    reason.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usual_problems_read_in_chinese() {
        for (en, zh) in [
            (
                "not a number on the question's scale",
                "不是该题量表上的数字",
            ),
            ("12 is outside the scale 0..10", "12 超出量表 0..10"),
            (
                "\"快\" is not an option of this question",
                "\"快\" 不是该题的选项",
            ),
            ("something else", "something else"),
        ] {
            assert_eq!(problem(Lang::Zh, en), zh);
            assert_eq!(problem(Lang::En, en), en);
        }
        assert!(
            problem(Lang::Zh, "not a time cxm can read (e.g. …)").starts_with("无法识别的时间")
        );
    }

    #[test]
    fn what_columns_become_reads_in_chinese() {
        for (en, zh) in [
            ("response id", "答卷编号"),
            ("dimension region", "维度 region"),
            ("question q1 (nps)", "题目 q1（NPS）"),
            ("question q2 (csat 1–5)", "题目 q2（CSAT 1–5）"),
            (
                "question q3 (multiple choice, 3 options)",
                "题目 q3（多选，3 个选项）",
            ),
            ("question text_1 (text)", "题目 text_1（文本）"),
            (
                "question m (matrix, 2 rows, 1–5), item speed",
                "题目 m（矩阵，2 行，1–5），选项/行 speed",
            ),
            ("ignored: time taken", "忽略：答题用时"),
            ("ignored: something new", "忽略：something new"),
        ] {
            assert_eq!(described(Lang::Zh, en), zh);
            assert_eq!(described(Lang::En, en), en);
        }
    }
}
