//! What the import page shows in the page's language: the import plan and its problems are
//! written in English by cxm-formats and cxm-domain; on Chinese pages the column descriptions
//! and the usual problems (of survey exports, complaint files and volume files) are said in
//! Chinese (anything not known here stays English).

use crate::web::i18n::Lang;

/// The Chinese of `text` in a table of fixed English phrases and their Chinese.
fn fixed(table: &[(&str, &str)], text: &str) -> Option<String> {
    table
        .iter()
        .find(|(en, _)| *en == text)
        .map(|(_, zh)| (*zh).to_owned())
}

/// What a column becomes, in the page's language (the plan says it in English; reasons it does
/// not know in Chinese stay English).
pub(crate) fn described(lang: Lang, text: &str) -> String {
    if lang == Lang::En {
        return text.to_owned();
    }
    const FIXED: [(&str, &str); 14] = [
        ("response id", "答卷编号"),
        ("source", "来源"),
        ("source id", "来源编号"),
        ("survey exported", "导出自问卷"),
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
    if let Some(zh) = fixed(&FIXED, text) {
        return zh;
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
    const REASONS: [(&str, &str); 20] = [
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
        (
            "Qualtrics' bot and fraud check",
            "Qualtrics 的机器人与欺诈检测",
        ),
    ];
    fixed(&REASONS, reason).unwrap_or_else(|| reason.to_owned())
}

/// A problem found in a cell, in the page's language.
pub(crate) fn problem(lang: Lang, reason: &str) -> String {
    if lang == Lang::En {
        return reason.to_owned();
    }
    const FIXED: [(&str, &str); 4] = [
        ("the response id is empty", "答卷编号为空"),
        ("the submission time is empty", "提交时间为空"),
        (
            "not a yes/no value (1/0, true/false)",
            "不是是/否值（1/0、true/false）",
        ),
        (
            "not a number on the question's scale",
            "不是该题量表上的数字",
        ),
    ];
    if let Some(zh) = fixed(&FIXED, reason) {
        return zh;
    }
    if reason.starts_with("not a time cxm can read") {
        return "无法识别的时间（可用格式如 2026-09-03 12:00:00、2026/09/03 12:00、2026年9月3日、3-Sep-2026、RFC 3339、Unix 秒）".to_owned();
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
    survey_problem(reason)
        .or_else(|| history_problem(reason))
        .unwrap_or_else(|| reason.to_owned())
}

/// The rarer problems of survey exports (a file against its survey, an answer's own checks),
/// in Chinese.
fn survey_problem(reason: &str) -> Option<String> {
    const FIXED: [(&str, &str); 2] = [
        ("must not be empty", "不能为空"),
        ("is not a row of this matrix", "不是该矩阵的行"),
    ];
    if let Some(zh) = fixed(&FIXED, reason) {
        return Some(zh);
    }
    let zh = if reason.starts_with("no column holds the submission time") {
        "没有提交时间列：请在映射文件中用 role = \"submitted_at\" 指明该列，或为所有行指定同一提交时间"
            .to_owned()
    } else if let Some(rest) = reason.strip_prefix("required question ")
        && let Some((question, rest)) = rest.split_once(" of survey ")
        && let Some(survey) = rest.strip_suffix(" has no column in this file")
    {
        format!("问卷 {survey} 的必答题 {question} 在此文件中没有对应的列")
    } else if let Some(rest) = reason.strip_prefix("question ")
        && let Some((question, label)) = rest.split_once(" has no option or row ")
    {
        format!("题目 {question} 没有选项或行 {label}")
    } else if let Some(rest) = reason.strip_prefix("question ")
        && let Some((question, rest)) = rest.split_once(" is ")
        && let Some((kind, columns)) = rest.split_once(" in the survey, which ")
    {
        let columns = if columns.starts_with("one column") {
            "一列"
        } else {
            "多列"
        };
        format!(
            "题目 {question} 在问卷中是{}，无法由{columns}填写",
            kind_zh(kind)
        )
    } else if let Some(rest) = reason.strip_prefix("survey ")
        && let Some(survey) =
            rest.strip_suffix(" has no hidden question ip to keep IP addresses in")
    {
        format!("问卷 {survey} 没有用于保存 IP 地址的隐藏题 ip")
    } else if let Some(value) = reason.strip_suffix(" is not an email address") {
        format!("{value} 不是邮箱地址")
    } else if let Some(value) = reason.strip_suffix(" is not an option key") {
        format!("{value} 不是该题的选项")
    } else if let Some(value) = reason.strip_suffix(" is not text") {
        format!("{value} 不是文本")
    } else if let Some(count) = reason
        .strip_prefix("text is longer than ")
        .and_then(|rest| rest.strip_suffix(" characters"))
    {
        format!("文本超过 {count} 个字符")
    } else if let Some(count) = reason
        .strip_prefix("longer than ")
        .and_then(|rest| rest.strip_suffix(" characters"))
    {
        format!("超过 {count} 个字符")
    } else {
        return None;
    };
    Some(zh)
}

/// The usual problems of complaint and volume files, in Chinese.
fn history_problem(reason: &str) -> Option<String> {
    const FIXED: [(&str, &str); 2] = [
        ("the complaint's text is empty", "投诉内容为空"),
        ("closed before it was received", "结案时间早于投诉时间"),
    ];
    if let Some(zh) = fixed(&FIXED, reason) {
        return Some(zh);
    }
    let zh = if let Some((value, _)) = reason.split_once(" is not a status cxm knows") {
        format!(
            "{value} 不是已知的处理状态：未结（open、new、pending、in progress、处理中、待处理…）\
             或已结（closed、resolved、done、已关闭、已解决、已结案…）"
        )
    } else if let Some((value, _)) = reason.split_once(" is not a priority cxm knows") {
        format!(
            "{value} 不是已知的优先级：urgent、high、normal、low（也可写 P0–P4、critical、medium、\
             紧急、高、一般、低…）"
        )
    } else if let Some((value, _)) = reason.split_once(" is not a month like ") {
        format!("{value} 不是月份（如 2026-03 或 2026年3月）")
    } else if let Some(value) = reason.strip_suffix(" is not a date or time") {
        format!("{value} 不是日期或时间")
    } else if let Some(value) = reason.strip_suffix(" is in the future") {
        format!("{value} 晚于当前时间")
    } else if let Some(value) = reason.strip_suffix(" is negative") {
        format!("{value} 是负数")
    } else if let Some(rest) = reason.strip_prefix("complaint id ")
        && let Some((id, row)) = rest.split_once(" is also on row ")
    {
        format!("工单号 {id} 与第 {row} 行重复")
    } else if let Some(rest) = reason.strip_prefix("the header of ")
        && let Some((file, missing)) = rest.split_once(" has ")
    {
        let missing = if missing.starts_with("no month column") {
            "没有月份列（month、月份）"
        } else if missing.starts_with("neither an orders") {
            "既没有订单数列（orders、订单数）也没有客户数列（customers、客户数）"
        } else if missing.starts_with("no summary column") {
            "没有投诉内容列（summary、description、complaint、投诉内容、描述…），请填写投诉内容所在的列名"
        } else {
            return None;
        };
        format!("{file} 的表头{missing}")
    } else {
        return None;
    };
    Some(zh)
}

/// A problem of a file as one line: its row and column, then what is wrong, in the page's
/// language.
pub(crate) fn problem_line(lang: Lang, found: &cxm_app::Problem) -> String {
    if lang == Lang::En {
        return found.to_string();
    }
    let reason = problem(lang, &found.message);
    match (found.row, found.field.as_str()) {
        (Some(row), "") => format!("第 {row} 行：{reason}"),
        (Some(row), field) => format!("第 {row} 行，{field}：{reason}"),
        (None, "") => reason,
        (None, field) => format!("{field}：{reason}"),
    }
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
    fn rarer_survey_problems_read_in_chinese() {
        for (en, zh) in [
            (
                "required question nps of survey visits has no column in this file",
                "问卷 visits 的必答题 nps 在此文件中没有对应的列",
            ),
            (
                "question liked has no option or row \"Speed\"",
                "题目 liked 没有选项或行 \"Speed\"",
            ),
            (
                "question q2 is single choice in the survey, which several columns cannot fill",
                "题目 q2 在问卷中是单选，无法由多列填写",
            ),
            ("\"a@\" is not an email address", "\"a@\" 不是邮箱地址"),
            (
                "text is longer than 10000 characters",
                "文本超过 10000 个字符",
            ),
            ("must not be empty", "不能为空"),
        ] {
            assert_eq!(problem(Lang::Zh, en), zh);
        }
        assert!(
            problem(Lang::Zh, "no column holds the submission time; name it …")
                .starts_with("没有提交时间列")
        );
    }

    #[test]
    fn complaint_and_volume_problems_read_in_chinese() {
        for (en, zh) in [
            ("the complaint's text is empty", "投诉内容为空"),
            ("\"明天\" is not a date or time", "\"明天\" 不是日期或时间"),
            (
                "\"2026年13月\" is not a month like 2026-03 or 2026年3月",
                "\"2026年13月\" 不是月份（如 2026-03 或 2026年3月）",
            ),
            (
                "complaint id \"T-1\" is also on row 2",
                "工单号 \"T-1\" 与第 2 行重复",
            ),
            (
                "the header of 订单.csv has no month column (month, 月份)",
                "订单.csv 的表头没有月份列（month、月份）",
            ),
        ] {
            assert_eq!(problem(Lang::Zh, en), zh);
        }
        assert!(
            problem(Lang::Zh, "\"soon\" is not a priority cxm knows: …")
                .starts_with("\"soon\" 不是已知的优先级")
        );
        let found = cxm_app::Problem {
            row: Some(3),
            field: "订单数".into(),
            message: "\"很多\" is not a whole number".into(),
        };
        assert_eq!(
            problem_line(Lang::Zh, &found),
            "第 3 行，订单数：\"很多\" 不是整数"
        );
        assert_eq!(
            problem_line(Lang::En, &found),
            "row 3: 订单数: \"很多\" is not a whole number"
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
