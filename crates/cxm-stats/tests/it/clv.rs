//! BG/NBD and Gamma–Gamma against `../shared/golden` (lifetimes 0.11.3 on the CDNOW sample,
//! bgnbd_cdnow.json and gammagamma_cdnow.json), at the tolerances the golden README gives:
//! predictions to 1e-9 relative given the golden parameters, our own fits to 1e-3 relative in
//! the parameters and 0.01 in the log-likelihood.

use cxm_stats::{BgNbd, GammaGamma, Rfm};
use serde_json::Value;

use crate::check_close;
use crate::golden::{golden, shared_dir};

fn cdnow() -> Option<Vec<Rfm>> {
    let text = std::fs::read_to_string(shared_dir()?.join("golden/cdnow_summary.csv")).ok()?;
    Some(
        text.lines()
            .skip(1)
            .map(|line| {
                let v: Vec<f64> = line.split(',').map(|c| c.parse().unwrap()).collect();
                Rfm {
                    frequency: v[1],
                    recency: v[2],
                    age: v[3],
                    monetary: v[4],
                }
            })
            .collect(),
    )
}

fn f(value: &Value) -> f64 {
    value.as_f64().unwrap()
}

fn customer(case: &Value) -> Rfm {
    Rfm {
        frequency: f(&case["frequency"]),
        recency: f(&case["recency"]),
        age: f(&case["T"]),
        monetary: case["monetary_value"].as_f64().unwrap_or(0.0),
    }
}

#[test]
fn bg_nbd_matches_lifetimes_on_cdnow() {
    let (Some(file), Some(customers)) = (golden("bgnbd_cdnow.json"), cdnow()) else {
        return;
    };
    let p = &file["params"];
    let golden_model = BgNbd {
        r: f(&p["r"]),
        alpha: f(&p["alpha"]),
        a: f(&p["a"]),
        b: f(&p["b"]),
    };
    check_close(
        "LL at golden params",
        golden_model.log_likelihood(&customers),
        f(&file["log_likelihood"]),
        0.0,
        1e-6,
    );
    for case in file["customers"].as_array().unwrap() {
        let c = customer(case);
        let id = &case["id"];
        check_close(
            &format!("E[Y(39)] of {id}"),
            golden_model.conditional_expected_purchases(39.0, &c),
            f(&case["conditional_expected_purchases_39w"]),
            1e-9,
            1e-300,
        );
        check_close(
            &format!("P(alive) of {id}"),
            golden_model.probability_alive(&c),
            f(&case["probability_alive"]),
            1e-9,
            1e-300,
        );
    }
    for (t, value) in file["unconditional_expected_purchases"]["t_weeks"]
        .as_object()
        .unwrap()
    {
        check_close(
            &format!("E[X({t})]"),
            golden_model.expected_purchases(t.parse().unwrap()),
            f(value),
            1e-9,
            0.0,
        );
    }
    for (n, value) in file["probability_of_n_purchases_39w"]["values"]
        .as_object()
        .unwrap()
    {
        check_close(
            &format!("P(X(39) = {n})"),
            golden_model.probability_of_purchases(39.0, n.parse().unwrap()),
            f(value),
            1e-9,
            0.0,
        );
    }
    let fitted = BgNbd::fit(&customers).unwrap();
    for (name, got) in [
        ("r", fitted.model.r),
        ("alpha", fitted.model.alpha),
        ("a", fitted.model.a),
        ("b", fitted.model.b),
    ] {
        check_close(&format!("fitted {name}"), got, f(&p[name]), 1e-3, 0.0);
    }
    check_close(
        "fitted LL",
        fitted.log_likelihood,
        f(&file["log_likelihood"]),
        0.0,
        0.01,
    );
    // Fader, Hardie & Lee (2005): r = 0.243, α = 4.414, a = 0.793, b = 2.426, to their precision.
    for (got, published) in [
        (fitted.model.r, 0.243),
        (fitted.model.alpha, 4.414),
        (fitted.model.a, 0.793),
        (fitted.model.b, 2.426),
    ] {
        check_close("published", got, published, 0.0, 6e-4);
    }
}

#[test]
fn gamma_gamma_and_lifetime_value_match_lifetimes_on_cdnow() {
    let (Some(file), Some(purchases), Some(customers)) = (
        golden("gammagamma_cdnow.json"),
        golden("bgnbd_cdnow.json"),
        cdnow(),
    ) else {
        return;
    };
    let p = &file["params"];
    let spend = GammaGamma {
        p: f(&p["p"]),
        q: f(&p["q"]),
        gamma: f(&p["gamma"]),
    };
    let bp = &purchases["params"];
    let bgnbd = BgNbd {
        r: f(&bp["r"]),
        alpha: f(&bp["alpha"]),
        a: f(&bp["a"]),
        b: f(&bp["b"]),
    };
    check_close(
        "GG LL at golden params",
        spend.log_likelihood(&customers),
        f(&file["log_likelihood"]),
        0.0,
        1e-6,
    );
    check_close(
        "population mean",
        spend.conditional_expected_spend(&Rfm {
            frequency: 0.0,
            recency: 0.0,
            age: 1.0,
            monetary: 0.0,
        }),
        f(&file["population_mean_spend"]),
        1e-9,
        0.0,
    );
    for case in file["customers"].as_array().unwrap() {
        let c = customer(case);
        let id = &case["id"];
        check_close(
            &format!("spend of {id}"),
            spend.conditional_expected_spend(&c),
            f(&case["conditional_expected_average_profit"]),
            1e-9,
            0.0,
        );
        check_close(
            &format!("CLV of {id}"),
            spend.lifetime_value(&bgnbd, &c, 12, 0.01, 4.345),
            f(&case["customer_lifetime_value_12m_d001"]),
            1e-9,
            1e-12,
        );
    }
    let fitted = GammaGamma::fit(&customers).unwrap();
    for (name, got) in [
        ("p", fitted.model.p),
        ("q", fitted.model.q),
        ("gamma", fitted.model.gamma),
    ] {
        check_close(&format!("fitted {name}"), got, f(&p[name]), 1e-3, 0.0);
    }
    let own_bgnbd = BgNbd::fit(&customers).unwrap().model;
    for case in file["customers"].as_array().unwrap() {
        let c = customer(case);
        check_close(
            "own spend",
            fitted.model.conditional_expected_spend(&c),
            f(&case["conditional_expected_average_profit"]),
            1e-4,
            0.0,
        );
        check_close(
            "own CLV",
            fitted.model.lifetime_value(&own_bgnbd, &c, 12, 0.01, 4.345),
            f(&case["customer_lifetime_value_12m_d001"]),
            1e-3,
            1e-9,
        );
    }
}

#[test]
fn the_hypergeometric_series_matches_closed_forms() {
    // ₂F₁(1, 1; 2; z) = −ln(1 − z)/z and ₂F₁(a, b; b; z) = (1 − z)^−a.
    for z in [0.1, 0.5, 0.9, 0.99] {
        check_close(
            "log form",
            cxm_stats::hyp2f1(1.0, 1.0, 2.0, z),
            -(1.0f64 - z).ln() / z,
            1e-12,
            0.0,
        );
        check_close(
            "power form",
            cxm_stats::hyp2f1(0.7, 2.5, 2.5, z),
            (1.0f64 - z).powf(-0.7),
            1e-12,
            0.0,
        );
    }
}

/// Days since 1970-01-01 of a `yyyymmdd` date (Hinnant's days-from-civil).
fn day_of(date: &str) -> i64 {
    let digits = date.replace('-', "");
    let (y, m, d): (i64, i64, i64) = (
        digits[..4].parse().unwrap(),
        digits[4..6].parse().unwrap(),
        digits[6..8].parse().unwrap(),
    );
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[test]
fn rfm_summaries_match_lifetimes_transform() {
    let (Some(file), Some(dir)) = (golden("cdnow_rfm_transform.json"), shared_dir()) else {
        return;
    };
    let text = std::fs::read_to_string(dir.join("golden/cdnow_sample_transactions.csv")).unwrap();
    let transactions: Vec<(u64, i64, f64)> = text
        .lines()
        .skip(1)
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            (
                cells[0].parse().unwrap(),
                day_of(cells[1]),
                cells[3].parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(day_of("1970-01-01"), 0);
    for setting in file["settings"].as_array().unwrap() {
        let name = setting["name"].as_str().unwrap();
        let end = day_of(setting["observation_period_end"].as_str().unwrap());
        let unit = f(&setting["freq_multiplier"]);
        let summary = cxm_stats::rfm_summary(&transactions, end, unit);
        let aggregate = &file["aggregate_expected"][name];
        assert_eq!(
            summary.len() as u64,
            aggregate["n_customers"].as_u64().unwrap(),
            "{name}"
        );
        for (field, get) in [
            ("sum_frequency", (|r: &Rfm| r.frequency) as fn(&Rfm) -> f64),
            ("sum_recency", |r: &Rfm| r.recency),
            ("sum_T", |r: &Rfm| r.age),
            ("sum_monetary_value", |r: &Rfm| r.monetary),
        ] {
            check_close(
                &format!("{name} {field}"),
                summary.values().map(get).sum(),
                f(&aggregate[field]),
                0.0,
                1e-9 * summary.len() as f64,
            );
        }
        for case in file["cases"].as_array().unwrap() {
            let id = case["customer_id"].as_u64().unwrap();
            let expected = &case["expected"][name];
            match summary.get(&id) {
                None => assert!(expected.is_null(), "{name}: customer {id} is missing"),
                Some(rfm) => {
                    check_close(
                        &format!("{name} {id} frequency"),
                        rfm.frequency,
                        f(&expected["frequency"]),
                        0.0,
                        1e-9,
                    );
                    check_close(
                        &format!("{name} {id} recency"),
                        rfm.recency,
                        f(&expected["recency"]),
                        0.0,
                        1e-9,
                    );
                    check_close(
                        &format!("{name} {id} T"),
                        rfm.age,
                        f(&expected["T"]),
                        0.0,
                        1e-9,
                    );
                    check_close(
                        &format!("{name} {id} monetary"),
                        rfm.monetary,
                        f(&expected["monetary_value"]),
                        0.0,
                        1e-9,
                    );
                }
            }
        }
    }
}

#[test]
fn impossible_histories_and_empty_input_are_refused() {
    let good = Rfm {
        frequency: 2.0,
        recency: 10.0,
        age: 30.0,
        monetary: 20.0,
    };
    assert!(BgNbd::fit(&[]).is_err());
    assert!(GammaGamma::fit(&[]).is_err());
    for (what, bad) in [
        (
            "negative frequency",
            Rfm {
                frequency: -1.0,
                ..good
            },
        ),
        (
            "recency after age",
            Rfm {
                recency: 31.0,
                ..good
            },
        ),
        (
            "NaN recency",
            Rfm {
                recency: f64::NAN,
                ..good
            },
        ),
        (
            "infinite age",
            Rfm {
                age: f64::INFINITY,
                ..good
            },
        ),
    ] {
        let error = BgNbd::fit(&[good, bad]).unwrap_err().to_string();
        assert!(error.contains("customer 1"), "{what}: {error}");
    }
    let error = GammaGamma::fit(&[
        good,
        Rfm {
            monetary: f64::NAN,
            ..good
        },
    ])
    .unwrap_err();
    assert!(error.to_string().contains("customer 1"), "{error}");
    // Without repeaters the spend model has nothing to learn from.
    let once = Rfm {
        frequency: 0.0,
        recency: 0.0,
        monetary: 0.0,
        ..good
    };
    assert!(GammaGamma::fit(&[once, once]).is_err());
}
