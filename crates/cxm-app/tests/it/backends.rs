//! SQLite and PostgreSQL give identical answers to the same queries over the same data.

use crate::{postgres_url, synthetic, test_app_on};

#[tokio::test]
async fn sqlite_and_postgres_give_identical_metrics() {
    let Some(postgres) = postgres_url() else {
        eprintln!("SKIPPED: set CXM_TEST_DATABASE_URL to compare SQLite with PostgreSQL");
        return;
    };
    let sqlite = test_app_on(None).await;
    let postgres = test_app_on(Some(&postgres)).await;
    let responses = synthetic(2_000, 3);
    sqlite.ingest(&responses).await;
    postgres.ingest(&responses).await;
    let queries = [
        serde_json::json!({ "metrics": ["nps", "csat", "ces", "count"], "group_by": ["region"], "grain": "month", "compare": ["yoy", "previous"] }),
        serde_json::json!({ "metrics": ["share:reason", "distribution:nps", "mean:csat"], "group_by": ["channel", "touchpoint"], "grain": "quarter" }),
        serde_json::json!({ "metrics": ["nps"], "grain": "week", "customer": { "tier": ["gold"] }, "dimensions": { "region": ["华东", "华北"] } }),
        serde_json::json!({ "metrics": ["csat@5", "ces@6"], "group_by": ["survey"], "since": "2025-01-01", "until": "2025-06-30", "compare": ["previous", "yoy"] }),
    ];
    for query in queries {
        let on_sqlite = serde_json::to_value(sqlite.metrics(query.clone()).await).unwrap();
        let on_postgres = serde_json::to_value(postgres.metrics(query.clone()).await).unwrap();
        assert!(
            on_sqlite["rows"]
                .as_array()
                .is_some_and(|rows| !rows.is_empty()),
            "{query}: no rows"
        );
        assert_eq!(on_sqlite, on_postgres, "{query}");
    }
}

/// Per (metric, option, period, region): n and value, from rows grouped by region.
type Table =
    std::collections::BTreeMap<(String, String, String, Option<String>), (u64, Option<u64>)>;

/// Sums rows that carry a `channel` breakdown over the channels, keeping region and period:
/// the counts every metric's headline comes from.
fn by_region(result: &cxm_app::MetricsResult) -> Table {
    let mut table = Table::new();
    for row in &result.rows {
        let option = match &row.estimate {
            cxm_app::Estimate::Share(share) => share.option.clone(),
            _ => String::new(),
        };
        let counted = match &row.estimate {
            cxm_app::Estimate::Nps {
                promoters,
                detractors,
                ..
            } => Some(promoters * 1_000_000 + detractors),
            cxm_app::Estimate::Share(share) => Some(share.count),
            cxm_app::Estimate::Rating { top_box_count, .. } => Some(*top_box_count),
            _ => None,
        };
        let key = (
            row.metric.clone(),
            option,
            row.period.clone().unwrap_or_default(),
            row.groups["region"].clone(),
        );
        let entry = table.entry(key).or_insert((0, counted.map(|_| 0)));
        // A share's n is its group's respondents, who are not all in the groups that chose
        // the option: summed over channels it would miss some, so only its count is compared.
        if !matches!(row.estimate, cxm_app::Estimate::Share(_)) {
            entry.0 += row.n;
        }
        if let (Some(sum), Some(counted)) = (&mut entry.1, counted) {
            *sum += counted;
        }
    }
    table
}

#[tokio::test]
async fn count_tables_agree_with_the_facts_after_inserts_and_replacements() {
    let app = crate::test_app().await;
    let mut responses = synthetic(1_500, 9);
    // Some responses lack the region: they form the group without one.
    for response in responses.iter_mut().step_by(7) {
        response.dimensions.clear();
    }
    app.ingest(&responses).await;
    // Re-send a third with other answers, channels and regions: counts move, never double.
    let mut changed = synthetic(500, 10);
    for (new, old) in changed.iter_mut().zip(&responses) {
        new.id = old.id.clone();
    }
    app.ingest(&changed).await;
    for extra in [
        serde_json::json!({}),
        serde_json::json!({ "grain": "month" }),
        serde_json::json!({ "grain": "week", "complete_only": true }),
        serde_json::json!({ "since": "2024-06-01", "until": "2025-05-31", "grain": "quarter" }),
    ] {
        let query = |group_by: serde_json::Value| {
            let mut query = serde_json::json!({ "metrics": ["nps", "csat", "share:reason", "count"], "group_by": group_by });
            query
                .as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            query
        };
        // One breakdown reads the count tables; two read the facts.
        let counted = by_region(&app.metrics(query(serde_json::json!(["region"]))).await);
        let from_facts = by_region(
            &app.metrics(query(serde_json::json!(["region", "channel"])))
                .await,
        );
        assert!(
            counted.keys().any(|k| k.3.is_none()),
            "{extra}: no group without a region"
        );
        check_same(&counted, &from_facts, &extra.to_string());
    }
    // A filter on the grouped key and a filter on another key agree too.
    let filtered = app
        .metrics(serde_json::json!({ "metrics": ["nps", "count"], "group_by": ["region"], "dimensions": { "region": ["华北"] } }))
        .await;
    let from_facts = app
        .metrics(serde_json::json!({ "metrics": ["nps", "count"], "group_by": ["region", "touchpoint"], "dimensions": { "region": ["华北"] } }))
        .await;
    check_same(&by_region(&filtered), &by_region(&from_facts), "filtered");
}

/// Asserts two tables are equal, listing the first keys where they differ.
fn check_same(counted: &Table, from_facts: &Table, case: &str) {
    let keys: std::collections::BTreeSet<_> = counted.keys().chain(from_facts.keys()).collect();
    let differences: Vec<String> = keys
        .into_iter()
        .filter(|key| counted.get(*key) != from_facts.get(*key))
        .take(8)
        .map(|key| {
            format!(
                "{key:?}: counted {:?}, facts {:?}",
                counted.get(key),
                from_facts.get(key)
            )
        })
        .collect();
    assert!(
        differences.is_empty(),
        "{case}: the count tables and the facts differ:\n{}",
        differences.join("\n")
    );
}
