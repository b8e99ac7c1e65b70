//! Binding listeners with errors that say which listener and which address failed.

use std::net::SocketAddr;

use anyhow::Context as _;
use tokio::net::TcpListener;

use crate::config::ListenAddr;

/// Binds `addr`; `what` names the listener in errors ("gRPC", "metrics", "HTTP").
pub async fn bind(addr: &ListenAddr, what: &str) -> anyhow::Result<TcpListener> {
    let resolved: SocketAddr = addr
        .resolve()
        .with_context(|| format!("cannot resolve {what} address `{addr}`"))?;
    TcpListener::bind(resolved)
        .await
        .with_context(|| format!("cannot listen on {what} address `{addr}`"))
}

/// Binds synchronously (for servers such as actix-web that take a std listener).
pub fn bind_std(addr: &ListenAddr, what: &str) -> anyhow::Result<std::net::TcpListener> {
    let resolved: SocketAddr = addr
        .resolve()
        .with_context(|| format!("cannot resolve {what} address `{addr}`"))?;
    let listener = std::net::TcpListener::bind(resolved)
        .with_context(|| format!("cannot listen on {what} address `{addr}`"))?;
    listener
        .set_nonblocking(true)
        .with_context(|| format!("cannot configure {what} listener"))?;
    Ok(listener)
}
