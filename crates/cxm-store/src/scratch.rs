//! Scratch databases for tests and benchmarks: a fresh, empty database on SQLite (a file in the
//! temporary directory) or on a PostgreSQL server, removed again when dropped.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::Connection;

use crate::StoreError;

/// A fresh database that is removed when this value is dropped.
#[derive(Debug)]
pub struct ScratchDatabase {
    url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    File(PathBuf),
    Postgres { admin_url: String, name: String },
}

/// Distinguishes the scratch databases of one process.
static SEQUENCE: AtomicU64 = AtomicU64::new(0);

impl ScratchDatabase {
    /// A new empty database: on the PostgreSQL server of `postgres_admin_url` when given (a
    /// database named `cxm_scratch_<pid>_<n>` is created through it), else an SQLite file.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the server refuses to create the database.
    pub async fn new(postgres_admin_url: Option<&str>) -> Result<ScratchDatabase, StoreError> {
        let sequence = SEQUENCE.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        match postgres_admin_url {
            Some(admin_url) => {
                let name = format!("cxm_scratch_{pid}_{sequence}");
                let url = create_postgres(admin_url, &name).await?;
                Ok(ScratchDatabase {
                    url,
                    cleanup: Cleanup::Postgres {
                        admin_url: admin_url.to_owned(),
                        name,
                    },
                })
            }
            None => {
                let path = std::env::temp_dir().join(format!("cxm-scratch-{pid}-{sequence}.db"));
                remove_sqlite_files(&path);
                Ok(ScratchDatabase {
                    url: format!("sqlite://{}", path.display()),
                    cleanup: Cleanup::File(path),
                })
            }
        }
    }

    /// The URL to give [`crate::Store::connect`].
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether this database lives on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self.cleanup, Cleanup::Postgres { .. })
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => remove_sqlite_files(path),
            Cleanup::Postgres { admin_url, name } => {
                // Drop may run inside an async runtime, which cannot be blocked on: a thread of
                // its own runs the DROP DATABASE, and is joined so the database is gone after.
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let dropped = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()?;
                    runtime
                        .block_on(drop_postgres(&admin_url, &name))
                        .map_err(std::io::Error::other)
                })
                .join();
                if let Ok(Err(error)) = dropped {
                    eprintln!("could not drop scratch database {}: {error}", self.url);
                }
            }
        }
    }
}

fn remove_sqlite_files(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        // A file that is not there is the state we want.
        let _ = std::fs::remove_file(file);
    }
}

/// Creates (or re-creates, empty) the database `name` on the server of `admin_url` and returns
/// its URL.
async fn create_postgres(admin_url: &str, name: &str) -> Result<String, StoreError> {
    let mut connection = sqlx::PgConnection::connect(admin_url).await?;
    for statement in [
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        format!("CREATE DATABASE {name}"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&mut connection)
            .await?;
    }
    connection.close().await?;
    Ok(with_database(admin_url, name))
}

async fn drop_postgres(admin_url: &str, name: &str) -> Result<(), StoreError> {
    let mut connection = sqlx::PgConnection::connect(admin_url).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut connection)
    .await?;
    connection.close().await?;
    Ok(())
}

/// `url` with its database (the path) replaced by `name`, keeping any query string.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_is_replaced_in_urls() {
        for (url, expected) in [
            ("postgres://u@h:5432/test", "postgres://u@h:5432/x"),
            ("postgres://u@h:5432", "postgres://u@h:5432/x"),
            (
                "postgres://h/test?sslmode=disable",
                "postgres://h/x?sslmode=disable",
            ),
        ] {
            assert_eq!(with_database(url, "x"), expected);
        }
    }
}
