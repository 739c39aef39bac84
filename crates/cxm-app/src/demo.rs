//! Demo data: 禾港生活 (Harbour Living), a fictional retailer with stores in five regions, an
//! app and a call centre, surveyed for 24 months.
//!
//! The data tells a story a CX manager would recognise: 华北 (North) declines steadily, 售后
//! (after-sales) improves after a service programme, volumes and delivery complaints peak around
//! Singles' Day (November) and Chinese New Year, and comments in Chinese and English follow the
//! scores. Everything is drawn from a seeded generator, so the same seed and end date give the
//! same database.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, TimeDelta};
use cxm_domain::{Channel, CustomerInput, ResponseInput, Survey, SurveyKey};

use crate::{App, AppError, IngestReport};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoOptions {
    /// Seed of the generator.
    pub seed: u64,
    /// Last day of the demo period (the period ends with that day's month).
    pub end: NaiveDate,
    /// Months of history.
    pub months: u32,
    /// Approximate number of responses in all.
    pub responses: u64,
}

/// What the demo built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    /// Surveys created.
    pub surveys: Vec<String>,
    /// Responses stored.
    pub report: IngestReport,
    /// First day of data.
    pub since: NaiveDate,
    /// Last day of data.
    pub until: NaiveDate,
}

impl DemoOptions {
    /// 24 months ending with the last complete month before `today`, about 216,000 responses.
    pub fn ending_before(today: NaiveDate, seed: u64) -> DemoOptions {
        let first_of_month = today.with_day(1).unwrap_or(today);
        DemoOptions {
            seed,
            end: first_of_month - TimeDelta::days(1),
            months: 24,
            responses: 216_000,
        }
    }
}

/// The demo's random draws, from a seeded SplitMix64 so the same seed gives the same data.
struct Rng(cxm_stats::SplitMix64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Standard normal by Box–Muller.
    fn normal(&mut self) -> f64 {
        let u = self.unit().max(1e-12);
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// An index drawn with the given weights.
    fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.unit() * total;
        for (index, weight) in weights.iter().enumerate() {
            if x < *weight {
                return index;
            }
            x -= weight;
        }
        weights.len() - 1
    }
}

const REGIONS: [(&str, &[&str], f64); 5] = [
    (
        "华东",
        &["上海徐汇店", "上海浦东店", "杭州西湖店", "南京新街口店"],
        0.32,
    ),
    ("华南", &["广州天河店", "深圳南山店", "深圳福田店"], 0.24),
    ("华北", &["北京朝阳店", "北京海淀店", "天津和平店"], 0.20),
    ("西南", &["成都春熙路店", "重庆解放碑店"], 0.14),
    ("华中", &["武汉光谷店", "长沙五一店"], 0.10),
];
const TOUCHPOINTS: [&str; 5] = ["进店体验", "咨询", "结账", "配送", "售后"];
const TIERS: [&str; 4] = ["standard", "silver", "gold", "platinum"];
const AGES: [&str; 5] = ["18-24", "25-34", "35-44", "45-54", "55+"];
const PRODUCTS: [&str; 5] = ["家居", "厨具", "家纺", "收纳", "灯具"];

/// Comment fragments by theme: (zh positive, zh negative, en positive, en negative).
const THEMES: [(&str, [&[&str]; 4]); 7] = [
    (
        "delivery",
        [
            &[
                "物流很快，第二天就到了",
                "配送准时，快递员很有礼貌",
                "包装很仔细，送货速度快",
            ],
            &[
                "物流太慢了，等了一个星期",
                "快递一直没有更新，很着急",
                "送货延迟了三天也没人通知",
            ],
            &[
                "Delivery was fast, arrived the next day",
                "The courier was on time and polite",
                "Well packed and quick shipping",
            ],
            &[
                "Delivery took over a week",
                "The tracking never updated",
                "My parcel was three days late and nobody told me",
            ],
        ],
    ),
    (
        "quality",
        [
            &[
                "质量很好，做工精细",
                "东西很结实，用了很久都没问题",
                "材质不错，和描述一致",
            ],
            &[
                "质量太差了，用了两天就坏了",
                "做工粗糙，有明显的瑕疵",
                "和图片差别很大，很失望",
            ],
            &[
                "Great quality, well made",
                "Sturdy and exactly as described",
                "The material feels premium",
            ],
            &[
                "Broke after two days",
                "Poor finish with visible defects",
                "Looks nothing like the pictures",
            ],
        ],
    ),
    (
        "price",
        [
            &[
                "价格实惠，性价比很高",
                "活动力度大，很划算",
                "会员折扣很给力",
            ],
            &[
                "价格偏贵，不值这个钱",
                "刚买就降价了，感觉被坑",
                "优惠券用不了，很麻烦",
            ],
            &[
                "Good value for money",
                "The promotion was a great deal",
                "Member discounts are generous",
            ],
            &[
                "Overpriced for what you get",
                "The price dropped right after I bought it",
                "The coupon would not apply",
            ],
        ],
    ),
    (
        "staff",
        [
            &[
                "店员态度很好，非常耐心",
                "服务热情周到，讲解很专业",
                "导购很专业，推荐的很合适",
            ],
            &[
                "店员态度冷淡，爱答不理",
                "服务态度差，问了几次都没人管",
                "销售一直推销，体验很差",
            ],
            &[
                "Staff were friendly and patient",
                "Very helpful and knowledgeable assistant",
                "Great recommendations from the sales team",
            ],
            &[
                "The staff ignored me",
                "Rude service, nobody helped",
                "Pushy salespeople ruined the visit",
            ],
        ],
    ),
    (
        "waiting",
        [
            &[
                "排队很快，结账效率高",
                "客服响应及时，马上就解决了",
                "电话一打就通，处理很快",
            ],
            &["排队时间太长了", "客服电话一直打不通", "等了很久才有人回复"],
            &[
                "Checkout was quick",
                "Support replied right away",
                "Got through on the phone immediately",
            ],
            &[
                "The queue was far too long",
                "Could not get through to customer service",
                "Waited ages for a reply",
            ],
        ],
    ),
    (
        "returns",
        [
            &[
                "退货很方便，退款也很快",
                "售后处理及时，换货很顺利",
                "售后服务很好，问题解决了",
            ],
            &[
                "退款拖了很久还没到账",
                "退货流程太复杂了",
                "售后推来推去，问题一直没解决",
            ],
            &[
                "Returns were easy and the refund was quick",
                "The exchange went smoothly",
                "After-sales solved my problem",
            ],
            &[
                "Still waiting for my refund",
                "The return process is too complicated",
                "After-sales kept passing me around",
            ],
        ],
    ),
    (
        "app",
        [
            &[
                "App很好用，下单很方便",
                "界面清楚，找东西很快",
                "App支付很顺畅",
            ],
            &["App老是闪退", "App页面加载太慢", "登录总是失败，很烦"],
            &[
                "The app is easy to use",
                "Clean interface, easy to find things",
                "Paying in the app was smooth",
            ],
            &[
                "The app keeps crashing",
                "The app is painfully slow",
                "Login keeps failing",
            ],
        ],
    ),
];

/// The three demo surveys.
fn surveys() -> Result<Vec<Survey>, AppError> {
    let text = include_str!("demo_surveys.toml");
    #[derive(serde::Deserialize)]
    struct File {
        surveys: Vec<Survey>,
    }
    let file: File =
        toml::from_str(text).map_err(|e| AppError::invalid("demo_surveys.toml", e.to_string()))?;
    Ok(file.surveys)
}

fn month_start(end: NaiveDate, months_back: u32) -> NaiveDate {
    let index = end.year() as i64 * 12 + end.month0() as i64 - months_back as i64;
    NaiveDate::from_ymd_opt(
        index.div_euclid(12) as i32,
        index.rem_euclid(12) as u32 + 1,
        1,
    )
    .unwrap_or(end)
}

/// Latent satisfaction shifts: seasonality, the declining region, the improving touchpoint.
struct Story {
    /// 0 at the first month, 1 at the last.
    progress: f64,
    /// Peak season (November, and the Spring Festival months).
    peak: bool,
}

impl App {
    /// Creates the demo surveys and responses. Existing demo surveys are kept and their
    /// responses replaced, so running the demo twice gives the same database.
    ///
    /// # Errors
    /// [`AppError`] when the store fails.
    pub async fn build_demo(
        &self,
        options: DemoOptions,
        mut progress: impl FnMut(u64),
    ) -> Result<DemoSummary, AppError> {
        let mut keys = Vec::new();
        for survey in surveys()? {
            match self.store.survey(survey.key.as_str()).await {
                Ok(_) => {
                    self.store.update_survey(&survey, None).await?;
                }
                Err(cxm_store::StoreError::NotFound(_)) => {
                    self.store.create_survey(&survey).await?;
                }
                Err(other) => return Err(other.into()),
            }
            keys.push(survey.key.to_string());
        }
        let mut generator = DemoGenerator::new(options);
        let mut total = IngestReport::default();
        while let Some(inputs) = generator.next_month() {
            let rows: Vec<u64> = (1..=inputs.len() as u64).collect();
            let stamped = self.validate(&inputs, &rows).await?;
            let report = self.ingest_chunked(&stamped).await?;
            total.received += report.received;
            total.inserted += report.inserted;
            total.updated += report.updated;
            progress(total.received);
        }
        let since = month_start(options.end, options.months.saturating_sub(1));
        Ok(DemoSummary {
            surveys: keys,
            report: total,
            since,
            until: options.end,
        })
    }
}

/// Produces the demo's responses month by month, oldest first.
pub struct DemoGenerator {
    options: DemoOptions,
    rng: Rng,
    month: u32,
    sequence: u64,
}

impl DemoGenerator {
    /// A generator for `options`.
    pub fn new(options: DemoOptions) -> DemoGenerator {
        DemoGenerator {
            options,
            rng: Rng(cxm_stats::SplitMix64::new(options.seed ^ 0x00C0_FFEE)),
            month: 0,
            sequence: 0,
        }
    }

    /// The demo's surveys.
    ///
    /// # Errors
    /// [`AppError::Invalid`] if the embedded definitions were broken (a build defect).
    pub fn surveys() -> Result<Vec<Survey>, AppError> {
        surveys()
    }

    /// The next month's responses, or `None` after the last month.
    pub fn next_month(&mut self) -> Option<Vec<ResponseInput>> {
        let options = self.options;
        if self.month >= options.months {
            return None;
        }
        let month = self.month;
        self.month += 1;
        let start = month_start(options.end, options.months - 1 - month);
        let next = if month + 1 == options.months {
            options.end + TimeDelta::days(1)
        } else {
            month_start(options.end, options.months - 2 - month)
        };
        let days = (next - start).num_days().max(1);
        let peak = matches!(start.month(), 11 | 1 | 2);
        let per_month = options.responses as f64 / options.months.max(1) as f64;
        let volume = per_month * if peak { 1.25 } else { 0.95 };
        let story = Story {
            progress: month as f64 / (options.months.max(2) - 1) as f64,
            peak,
        };
        let count = volume.round() as usize;
        let mut inputs = Vec::with_capacity(count);
        for _ in 0..count {
            self.sequence += 1;
            let day = start + TimeDelta::days(self.rng.below(days as usize) as i64);
            inputs.push(response(&mut self.rng, &story, day, self.sequence));
        }
        Some(inputs)
    }
}

/// One demo response.
fn response(rng: &mut Rng, story: &Story, day: NaiveDate, sequence: u64) -> ResponseInput {
    let region_index = rng.weighted(&REGIONS.map(|r| r.2));
    let (region, stores, _) = REGIONS[region_index];
    let store = *rng.pick(stores);
    let survey = rng.weighted(&[0.45, 0.35, 0.20]);
    let (channel, touchpoint) = match survey {
        0 => (
            *rng.pick(&[Channel::Email, Channel::App, Channel::Web]),
            *rng.pick(&TOUCHPOINTS),
        ),
        1 => (Channel::Store, *rng.pick(&["进店体验", "结账", "咨询"])),
        _ => (
            *rng.pick(&[Channel::Phone, Channel::App, Channel::Web]),
            *rng.pick(&["咨询", "售后", "配送"]),
        ),
    };
    // Latent satisfaction on roughly a standard scale.
    let mut latent = 0.35 + 0.9 * rng.normal();
    latent += match region {
        "华北" => 0.25 - 0.9 * story.progress,
        "华南" => 0.10,
        "西南" => 0.05,
        _ => 0.0,
    };
    latent += match touchpoint {
        "售后" => -0.6 + 1.0 * story.progress,
        "配送" if story.peak => -0.45,
        "配送" => -0.1,
        "结账" => 0.1,
        _ => 0.0,
    };
    if story.peak {
        latent -= 0.1;
    }
    let tier = TIERS[rng.weighted(&[0.5, 0.28, 0.16, 0.06])];
    latent += match tier {
        "platinum" => 0.3,
        "gold" => 0.15,
        _ => 0.0,
    };
    let mut answers = BTreeMap::new();
    let key = match survey {
        0 => {
            let score = (7.4 + 2.1 * latent).round().clamp(0.0, 10.0) as i64;
            answers.insert("nps".to_owned(), serde_json::json!(score));
            let reasons = [
                "delivery", "quality", "price", "service", "app", "returns", "other",
            ];
            answers.insert("reason".to_owned(), serde_json::json!(rng.pick(&reasons)));
            "relationship-nps"
        }
        1 => {
            let score = (3.9 + 0.95 * latent).round().clamp(1.0, 5.0) as i64;
            answers.insert("csat".to_owned(), serde_json::json!(score));
            "store-csat"
        }
        _ => {
            let score = (5.2 + 1.3 * latent).round().clamp(1.0, 7.0) as i64;
            answers.insert("ces".to_owned(), serde_json::json!(score));
            answers.insert(
                "resolved".to_owned(),
                serde_json::json!(if latent > -0.8 { "yes" } else { "no" }),
            );
            "service-ces"
        }
    };
    let language = if rng.unit() < 0.78 { "zh" } else { "en" };
    if rng.unit() < 0.38 {
        answers.insert(
            "comment".to_owned(),
            serde_json::json!(comment(rng, latent, touchpoint, language)),
        );
    }
    let hour = 9 + rng.below(13);
    let minute = rng.below(60);
    let customer = (rng.unit() < 0.7).then(|| {
        let number = 1 + rng.below(40_000);
        let mut attributes = BTreeMap::new();
        attributes.insert("tier".to_owned(), serde_json::json!(tier));
        attributes.insert(
            "age_group".to_owned(),
            serde_json::json!(AGES[number % AGES.len()]),
        );
        CustomerInput {
            external_id: format!("C{number:06}"),
            attributes,
            ..CustomerInput::default()
        }
    });
    let mut dimensions = BTreeMap::new();
    dimensions.insert("region".to_owned(), region.to_owned());
    dimensions.insert("store".to_owned(), store.to_owned());
    dimensions.insert("tier".to_owned(), tier.to_owned());
    dimensions.insert("product".to_owned(), rng.pick(&PRODUCTS).to_string());
    ResponseInput {
        survey: SurveyKey::parse(key).expect("demo survey keys are valid literals"),
        id: Some(format!("demo-{sequence:07}")),
        source: Some("demo".to_owned()),
        submitted_at: format!("{day}T{hour:02}:{minute:02}:00+08:00"),
        channel: Some(channel),
        touchpoint: Some(touchpoint.to_owned()),
        language: Some(language.to_owned()),
        dimensions,
        customer,
        answers,
        complete: None,
    }
}

/// A comment whose tone follows the latent satisfaction and whose theme leans on the
/// touchpoint.
fn comment(rng: &mut Rng, latent: f64, touchpoint: &str, language: &str) -> String {
    let positive = latent + 0.3 * rng.normal() > 0.2;
    let preferred = match touchpoint {
        "配送" => Some(0),
        "售后" => Some(5),
        "结账" => Some(4),
        "咨询" => Some(3),
        _ => None,
    };
    let theme = match preferred {
        Some(index) if rng.unit() < 0.55 => index,
        _ => rng.below(THEMES.len()),
    };
    let slot = match (language, positive) {
        ("zh", true) => 0,
        ("zh", false) => 1,
        (_, true) => 2,
        (_, false) => 3,
    };
    let mut text = rng.pick(THEMES[theme].1[slot]).to_string();
    if rng.unit() < 0.3 {
        let second = rng.below(THEMES.len());
        let mixed_slot = if rng.unit() < 0.5 { slot } else { slot ^ 1 };
        let joiner = if language == "zh" {
            if mixed_slot == slot {
                "，"
            } else {
                "，但是"
            }
        } else if mixed_slot == slot {
            ", and "
        } else {
            ", but "
        };
        let extra = rng.pick(THEMES[second].1[mixed_slot]);
        let extra = if language == "zh" {
            extra.to_string()
        } else {
            lowercase_first(extra)
        };
        text = format!("{text}{joiner}{extra}");
    }
    let end = if language == "zh" {
        if positive { "！" } else { "。" }
    } else if positive {
        "!"
    } else {
        "."
    };
    text.push_str(end);
    text
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_deterministic() {
        let story = Story {
            progress: 0.5,
            peak: false,
        };
        let day = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        let a: Vec<ResponseInput> = {
            let mut rng = Rng(cxm_stats::SplitMix64::new(7));
            (0..50)
                .map(|i| response(&mut rng, &story, day, i))
                .collect()
        };
        let b: Vec<ResponseInput> = {
            let mut rng = Rng(cxm_stats::SplitMix64::new(7));
            (0..50)
                .map(|i| response(&mut rng, &story, day, i))
                .collect()
        };
        assert_eq!(a, b);
    }

    #[test]
    fn demo_surveys_parse() {
        let surveys = surveys().unwrap();
        assert_eq!(surveys.len(), 3);
    }
}
