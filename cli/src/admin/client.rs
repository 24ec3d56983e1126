//! The admin API client of `dynastore admin`: JSON over HTTP with a bearer
//! token; an error answer becomes an error carrying the problem's title
//! and detail, which `main` prints to stderr before exiting non-zero.

use anyhow::{anyhow, bail, Context};
use reqwest::{Method, Url};
use serde_json::Value;

/// Where the admin API is and how to authenticate.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    token: String,
}

impl Client {
    /// A client for `base` (e.g. `http://127.0.0.1:8080`) with `token`.
    pub fn new(base: &str, token: &str) -> anyhow::Result<Client> {
        let mut base = Url::parse(base).with_context(|| format!("invalid admin URL {base:?}"))?;
        if base.cannot_be_a_base() {
            bail!("invalid admin URL {base}");
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Client {
            http,
            base,
            token: token.to_owned(),
        })
    }

    /// The URL of `segments` under the base (each segment percent-encoded)
    /// with `query`.
    fn url(&self, segments: &[&str], query: &[(&str, String)]) -> anyhow::Result<Url> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| anyhow!("invalid admin URL {}", self.base))?
            .pop_if_empty()
            .extend(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    /// Sends a request; returns the JSON body (`Null` when empty).
    pub async fn send(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        let url = self.url(segments, query)?;
        let mut req = self
            .http
            .request(method, url.clone())
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req
            .send()
            .await
            .with_context(|| format!("cannot reach the admin API at {}", self.base))?;
        let status = res.status();
        let bytes = res.bytes().await.context("reading the answer")?;
        let json: Option<Value> = serde_json::from_slice(&bytes).ok();
        if !status.is_success() {
            let title = json
                .as_ref()
                .and_then(|p| p.get("title"))
                .and_then(Value::as_str)
                .unwrap_or_else(|| status.canonical_reason().unwrap_or("error"))
                .to_owned();
            let detail = json
                .as_ref()
                .and_then(|p| p.get("detail"))
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| String::from_utf8_lossy(&bytes).trim().to_owned());
            bail!("{title} ({}): {detail}", status.as_u16());
        }
        if bytes.is_empty() {
            return Ok(Value::Null);
        }
        json.ok_or_else(|| anyhow!("the admin API answered something other than JSON"))
    }

    pub async fn get(&self, segments: &[&str], query: &[(&str, String)]) -> anyhow::Result<Value> {
        self.send(Method::GET, segments, query, None).await
    }

    pub async fn post(&self, segments: &[&str], body: &Value) -> anyhow::Result<Value> {
        self.send(Method::POST, segments, &[], Some(body)).await
    }

    pub async fn put(&self, segments: &[&str], body: Option<&Value>) -> anyhow::Result<Value> {
        self.send(Method::PUT, segments, &[], body).await
    }

    pub async fn patch(&self, segments: &[&str], body: &Value) -> anyhow::Result<Value> {
        self.send(Method::PATCH, segments, &[], Some(body)).await
    }

    pub async fn delete(&self, segments: &[&str]) -> anyhow::Result<Value> {
        self.send(Method::DELETE, segments, &[], None).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded_under_the_base_path() {
        let c = Client::new("http://127.0.0.1:8080/prefix", "t").unwrap();
        let url = c
            .url(
                &["v1", "tenants", "acme", "users", "a/b c"],
                &[("limit", "5".into())],
            )
            .unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:8080/prefix/v1/tenants/acme/users/a%2Fb%20c?limit=5"
        );
        let c = Client::new("http://127.0.0.1:8080", "t").unwrap();
        assert_eq!(
            c.url(&["v1", "audit"], &[]).unwrap().as_str(),
            "http://127.0.0.1:8080/v1/audit"
        );
    }
}
