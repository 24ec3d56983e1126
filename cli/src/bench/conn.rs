//! One HTTP/1.1 keep-alive connection per virtual client, on hyper's
//! low-level client (`hyper::client::conn::http1`): no pool, no proxy or
//! redirect logic, no per-request allocation beyond the request itself,
//! which keeps the generator's own cost small next to the server's.
//!
//! [`Endpoint`] is where the connections go; only loopback addresses are
//! accepted, so the bench cannot be pointed at someone else's service.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::signer::{Signer, CONTENT_TYPE};

/// A loopback HTTP endpoint.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Where to connect.
    pub addr: SocketAddr,
    /// The `Host` header, `host:port` as an SDK sends it.
    pub host: String,
}

impl Endpoint {
    /// The endpoint of a local socket address.
    #[must_use]
    pub fn local(addr: SocketAddr) -> Endpoint {
        Endpoint {
            addr,
            host: addr.to_string(),
        }
    }

    /// Parses `http://host:port[/]` and resolves it; the host must be
    /// loopback (`127.0.0.0/8`, `::1` or a name resolving only to those).
    pub async fn parse(url: &str) -> anyhow::Result<Endpoint> {
        let Some(rest) = url.strip_prefix("http://") else {
            bail!("--endpoint must be an http:// URL (the bench speaks plain HTTP to loopback only)");
        };
        let authority = rest.trim_end_matches('/');
        if authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
            bail!("--endpoint must be http://host:port with no path");
        }
        let with_port = if has_port(authority) {
            authority.to_owned()
        } else {
            format!("{authority}:80")
        };
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host(with_port.as_str())
            .await
            .with_context(|| format!("resolving {authority}"))?
            .collect();
        let Some(first) = addrs.first().copied() else {
            bail!("{authority} resolves to no address");
        };
        if !addrs.iter().all(|a| a.ip().is_loopback()) {
            bail!("--endpoint must be a loopback address (127.0.0.1, ::1 or localhost); got {authority}");
        }
        Ok(Endpoint {
            addr: first,
            host: authority.to_owned(),
        })
    }
}

/// True if `authority` ends in `:port` (taking `[v6]` literals into account).
fn has_port(authority: &str) -> bool {
    match authority.rfind(':') {
        Some(i) => {
            let after_bracket = authority.rfind(']').is_none_or(|b| b < i);
            after_bracket && authority.get(i + 1..).is_some_and(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
        }
        None => false,
    }
}

/// A response, fully read.
#[derive(Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// The body.
    pub body: Bytes,
    /// From just before the request was written to the last body byte.
    pub elapsed: Duration,
}

impl Reply {
    /// The DynamoDB error type's short name (`__type` after the `#`), if
    /// the reply is an error with a JSON body.
    #[must_use]
    pub fn error_type(&self) -> Option<String> {
        if self.status < 300 {
            return None;
        }
        let v: serde_json::Value = serde_json::from_slice(&self.body).ok()?;
        let t = v.get("__type")?.as_str()?;
        Some(t.rsplit('#').next().unwrap_or(t).to_owned())
    }

    /// A short, printable description of an error reply.
    #[must_use]
    pub fn describe(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let mut short: String = text.chars().take(300).collect();
        if text.chars().count() > 300 {
            short.push('…');
        }
        format!("HTTP {}: {short}", self.status)
    }
}

/// One keep-alive connection to an endpoint.
pub struct Conn {
    sender: http1::SendRequest<Full<Bytes>>,
    host: http::HeaderValue,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn").field("host", &self.host).finish_non_exhaustive()
    }
}

impl Conn {
    /// Connects (TCP_NODELAY, as SDK HTTP clients set it) and performs the
    /// HTTP/1.1 handshake; the connection task runs on the current runtime.
    pub async fn open(endpoint: &Endpoint) -> anyhow::Result<Conn> {
        let stream = TcpStream::connect(endpoint.addr)
            .await
            .with_context(|| format!("connecting to {}", endpoint.addr))?;
        stream.set_nodelay(true)?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream))
            .await
            .context("HTTP/1.1 handshake")?;
        tokio::spawn(async move {
            // Ends when the sender is dropped or the peer closes; a broken
            // connection shows up as an error on the next request.
            let _ = connection.await;
        });
        let host = http::HeaderValue::from_str(&endpoint.host).context("the endpoint's host is not a valid header")?;
        Ok(Conn { sender, host })
    }

    /// Signs and sends one DynamoDB call (`target` is the full
    /// `DynamoDB_20120810.X` value) and reads the whole reply. Signing is
    /// not part of [`Reply::elapsed`].
    pub async fn call(&mut self, signer: &mut Signer, target: &'static str, body: Bytes) -> anyhow::Result<Reply> {
        let host = self.host.to_str().unwrap_or_default();
        let sig = signer.sign(host, target, &body);
        let req = http::Request::builder()
            .method(http::Method::POST)
            .uri("/")
            .header(http::header::HOST, self.host.clone())
            .header(http::header::CONTENT_TYPE, CONTENT_TYPE)
            .header("x-amz-date", sig.amz_date)
            .header("x-amz-target", target)
            .header(http::header::AUTHORIZATION, sig.authorization)
            .body(Full::new(body))
            .context("building the request")?;
        let started = Instant::now();
        let (status, body) = self.exchange(req).await?;
        Ok(Reply {
            status,
            body,
            elapsed: started.elapsed(),
        })
    }

    /// An unsigned GET of `path`, its body as text (for `/metrics`).
    pub async fn get_text(&mut self, path: &str) -> anyhow::Result<String> {
        let req = http::Request::builder()
            .method(http::Method::GET)
            .uri(path)
            .header(http::header::HOST, self.host.clone())
            .body(Full::new(Bytes::new()))
            .context("building the request")?;
        let (status, body) = self.exchange(req).await?;
        if !(200..300).contains(&status) {
            bail!("GET {path}: HTTP {status}");
        }
        Ok(String::from_utf8_lossy(&body).into_owned())
    }

    /// Sends `req` once the connection is ready and reads the whole reply.
    async fn exchange(&mut self, req: http::Request<Full<Bytes>>) -> anyhow::Result<(u16, Bytes)> {
        self.sender.ready().await.context("connection closed")?;
        let res = self.sender.send_request(req).await.context("sending the request")?;
        let status = res.status().as_u16();
        let body = res.into_body().collect().await.context("reading the reply")?.to_bytes();
        Ok((status, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports() {
        assert!(has_port("127.0.0.1:8000"));
        assert!(!has_port("localhost"));
        assert!(has_port("[::1]:8000"));
        assert!(!has_port("[::1]"));
    }

    #[tokio::test]
    async fn only_loopback() {
        assert!(Endpoint::parse("http://127.0.0.1:8000").await.is_ok());
        assert!(Endpoint::parse("http://[::1]:8000/").await.is_ok());
        assert!(Endpoint::parse("http://10.1.2.3:8000").await.is_err());
        assert!(Endpoint::parse("https://127.0.0.1:8000").await.is_err());
        assert!(Endpoint::parse("http://127.0.0.1:8000/path").await.is_err());
        let ep = Endpoint::parse("http://127.0.0.1:8000").await.expect("loopback");
        assert_eq!(ep.host, "127.0.0.1:8000");
    }
}
