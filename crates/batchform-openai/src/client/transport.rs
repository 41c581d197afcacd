//! Where a request goes: over HTTP (reqwest), or, for the embedded emulator, straight into its
//! routes in this process. The embedded emulator lives in batchform's own process, so the
//! provider hands it each request as a value instead of writing HTTP/1.1 to a loopback socket
//! that the same process then reads back: the same request (method, URL, headers, body) and
//! the same answer, without two trips through the TCP stack and two HTTP codecs per call.
//! Everything above this module (retries, errors, logging, decoding) is shared.

use crate::embedded::Embedded;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use reqwest::RequestBuilder;
use reqwest::header::HeaderMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

pub(crate) enum Transport {
    Http,
    Embedded(Arc<Embedded>),
}

/// Why no (whole) answer came.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error(transparent)]
    Http(#[from] reqwest::Error),
    /// The embedded emulator took longer than `request_timeout`.
    #[error("operation timed out")]
    EmbeddedTimeout,
    /// A fault of the embedded emulator closed the "connection" without an answer.
    #[error("{0}")]
    EmbeddedDropped(#[from] batchform_emulator::ConnectionDropped),
    /// The embedded emulator's answer body failed midway.
    #[error("{0}")]
    EmbeddedBody(String),
}

impl TransportError {
    pub fn is_timeout(&self) -> bool {
        match self {
            TransportError::Http(e) => e.is_timeout(),
            TransportError::EmbeddedTimeout => true,
            _ => false,
        }
    }

    /// No connection was made, so the server cannot have seen the request.
    pub fn is_connect(&self) -> bool {
        matches!(self, TransportError::Http(e) if e.is_connect())
    }
}

/// An answer's status and headers; its body follows.
pub(crate) struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    body: Body,
}

enum Body {
    Http(reqwest::Response),
    /// Read by the request's deadline (if any), as reqwest's timeout covers the body too.
    Embedded(batchform_emulator::ResponseBody, Option<Instant>),
}

impl Transport {
    /// Send `rb`; an in-process request gets `timeout` for its answer and body.
    pub(crate) async fn send(
        &self,
        rb: RequestBuilder,
        timeout: Duration,
    ) -> Result<Answer, TransportError> {
        match self {
            Transport::Http => {
                let response = rb.send().await?;
                Ok(Answer {
                    status: response.status().as_u16(),
                    headers: response.headers().clone(),
                    body: Body::Http(response),
                })
            }
            Transport::Embedded(emulator) => {
                // No deadline for a timeout past what the clock can count (reqwest's
                // sleep takes those too).
                let deadline = Instant::now().checked_add(timeout);
                let request = http::Request::<reqwest::Body>::try_from(rb.build()?)?;
                let answer = emulator.serve_request(request);
                let answer = match deadline {
                    Some(deadline) => tokio::time::timeout_at(deadline, answer)
                        .await
                        .map_err(|_| TransportError::EmbeddedTimeout)??,
                    None => answer.await?,
                };
                let (head, body) = answer.into_parts();
                Ok(Answer {
                    status: head.status.as_u16(),
                    headers: head.headers,
                    body: Body::Embedded(body, deadline),
                })
            }
        }
    }
}

impl Answer {
    /// The whole body.
    pub(crate) async fn bytes(self) -> Result<Vec<u8>, TransportError> {
        let mut chunks = self.chunks();
        let mut body = Vec::new();
        while let Some(chunk) = chunks.next().await {
            body.extend_from_slice(&chunk?);
        }
        Ok(body)
    }

    /// The body as it arrives.
    pub(crate) fn chunks(self) -> BoxStream<'static, Result<bytes::Bytes, TransportError>> {
        match self.body {
            Body::Http(response) => {
                response.bytes_stream().map(|chunk| chunk.map_err(TransportError::from)).boxed()
            }
            Body::Embedded(body, deadline) => futures_util::stream::unfold(
                Some(body.into_data_stream()),
                move |chunks| async move {
                    let mut chunks = chunks?;
                    let next = match deadline {
                        Some(deadline) => tokio::time::timeout_at(deadline, chunks.next()).await,
                        None => Ok(chunks.next().await),
                    };
                    match next {
                        Ok(Some(Ok(chunk))) => Some((Ok(chunk), Some(chunks))),
                        Ok(Some(Err(e))) => {
                            Some((Err(TransportError::EmbeddedBody(e.to_string())), None))
                        }
                        Ok(None) => None,
                        Err(_) => Some((Err(TransportError::EmbeddedTimeout), None)),
                    }
                },
            )
            .boxed(),
        }
    }
}
