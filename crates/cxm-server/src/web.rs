//! Pages. Until the dashboard arrives this is the landing page: what the server offers and how
//! to reach it.

use axum::response::Html;

/// The landing page.
pub async fn home() -> Html<&'static str> {
    Html(include_str!("home.html"))
}
