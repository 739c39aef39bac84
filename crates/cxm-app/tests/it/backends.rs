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
