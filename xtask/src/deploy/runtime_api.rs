//! A one-invocation Lambda Runtime API on loopback, so `invoke --target local` runs a function's real
//! binary (the same `lambda_runtime` loop it runs in AWS) outside Lambda.
//!
//! The binary polls `GET /2018-06-01/runtime/invocation/next`, gets the event once, and posts its
//! result to `.../invocation/<id>/response` or `.../invocation/<id>/error` (or `.../init/error` if it
//! cannot start). Further polls are held open: the caller stops the process after the first result.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

const PREFIX: &str = "/2018-06-01/runtime";

#[derive(Debug, Clone)]
pub(crate) struct Invocation {
    pub(crate) request_id: String,
    pub(crate) event: Vec<u8>,
    pub(crate) function_arn: String,
    /// Milliseconds since the epoch.
    pub(crate) deadline_ms: u128,
}

/// What the function posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    Response(Vec<u8>),
    Error(Vec<u8>),
    InitError(Vec<u8>),
}

#[derive(Debug)]
struct State {
    invocation: Invocation,
    delivered: bool,
    done: Option<oneshot::Sender<Outcome>>,
}

/// A running Runtime API serving one invocation.
#[derive(Debug)]
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    pub(crate) outcome: oneshot::Receiver<Outcome>,
}

pub(crate) async fn start(invocation: Invocation) -> anyhow::Result<Server> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel();
    let state = Arc::new(Mutex::new(State { invocation, delivered: false, done: Some(tx) }));
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            let state = Arc::clone(&state);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| handle(Arc::clone(&state), req));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(Server { addr, outcome: rx })
}

async fn handle(
    state: Arc<Mutex<State>>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let Some(route) = path.strip_prefix(PREFIX) else { return Ok(status(StatusCode::NOT_FOUND)) };
    if method == hyper::Method::GET && route == "/invocation/next" {
        let next = {
            let Ok(mut s) = state.lock() else { return Ok(status(StatusCode::INTERNAL_SERVER_ERROR)) };
            if s.delivered {
                None
            } else {
                s.delivered = true;
                Some(s.invocation.clone())
            }
        };
        let Some(inv) = next else {
            // One invocation only: hold the poll until the process is stopped.
            std::future::pending::<()>().await;
            return Ok(status(StatusCode::GONE));
        };
        let response = Response::builder()
            .header("Lambda-Runtime-Aws-Request-Id", &inv.request_id)
            .header("Lambda-Runtime-Deadline-Ms", inv.deadline_ms.to_string())
            .header("Lambda-Runtime-Invoked-Function-Arn", &inv.function_arn)
            .header("Lambda-Runtime-Trace-Id", format!("Root=1-00000000-{}", inv.request_id.replace('-', "")))
            .header("Content-Type", "application/json")
            .body(Full::new(Bytes::from(inv.event)));
        return Ok(response.unwrap_or_else(|_| status(StatusCode::INTERNAL_SERVER_ERROR)));
    }
    if method != hyper::Method::POST {
        return Ok(status(StatusCode::NOT_FOUND));
    }
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(_) => return Ok(status(StatusCode::BAD_REQUEST)),
    };
    let outcome = if route == "/init/error" {
        Outcome::InitError(body)
    } else if let Some(rest) = route.strip_prefix("/invocation/") {
        match rest.rsplit_once('/') {
            Some((_, "response")) => Outcome::Response(body),
            Some((_, "error")) => Outcome::Error(body),
            _ => return Ok(status(StatusCode::NOT_FOUND)),
        }
    } else {
        return Ok(status(StatusCode::NOT_FOUND));
    };
    if let Ok(mut s) = state.lock()
        && let Some(tx) = s.done.take()
    {
        let _ = tx.send(outcome);
    }
    Ok(status(StatusCode::ACCEPTED))
}

fn status(code: StatusCode) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = code;
    r
}
