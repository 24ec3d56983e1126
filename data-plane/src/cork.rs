//! Response corking: a connection's response goes to the socket only once
//! the worker thread has run the other tasks that were ready, so the
//! responses finished in one pass of the scheduler leave together.
//!
//! Each response written to a client that is waiting in `epoll_wait`
//! wakes that client's thread; written one at a time between requests,
//! responses wake it once each, and on a virtual machine a wakeup (an
//! interrupt to another vCPU) costs more than writing the response. Held
//! back to the end of the pass, a batch of responses wakes a client
//! thread once and finds it awake for the rest. The delay is one pass of
//! the worker's run queue; a worker with nothing else to do writes at
//! once, and a worker that never runs out of tasks still wakes deferred
//! ones at its periodic maintenance (every 61 polls, Tokio's
//! `event_interval`), so no response waits for more than that.
//!
//! Mechanism: the first write of a response waits out one
//! `tokio::task::yield_now`, which Tokio's scheduler wakes only after the
//! tasks already queued on the worker have run; the rest of that response
//! (a large one takes several writes) goes straight through, and a flush
//! re-arms the cork for the next response.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use axum::serve::Listener;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// A TCP listener whose connections are [`Corked`].
pub(crate) struct CorkedListener(pub(crate) TcpListener);

impl Listener for CorkedListener {
    type Io = Corked;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Corked, SocketAddr) {
        let (io, addr) = Listener::accept(&mut self.0).await;
        (Corked::new(io), addr)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

/// A connection whose responses wait for the end of the scheduler's pass.
pub(crate) struct Corked {
    io: TcpStream,
    cork: Cork,
}

/// Where the current response stands.
enum Cork {
    /// Nothing written yet: the first write waits.
    Shut,
    /// The first write is waiting out this yield.
    Waiting(Pin<Box<dyn Future<Output = ()> + Send>>),
    /// The response has waited: its writes go straight out.
    Open,
}

impl Corked {
    pub(crate) fn new(io: TcpStream) -> Corked {
        Corked { io, cork: Cork::Shut }
    }

    /// The stream, to set socket options.
    pub(crate) fn stream(&self) -> &TcpStream {
        &self.io
    }

    /// Ready once the current response may be written.
    fn poll_cork(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if let Cork::Shut = self.cork {
            self.cork = Cork::Waiting(Box::pin(tokio::task::yield_now()));
        }
        if let Cork::Waiting(wait) = &mut self.cork {
            ready!(wait.as_mut().poll(cx));
            self.cork = Cork::Open;
        }
        Poll::Ready(())
    }
}

impl AsyncRead for Corked {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for Corked {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        ready!(self.poll_cork(cx));
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_cork(cx));
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let flushed = ready!(Pin::new(&mut self.io).poll_flush(cx));
        self.cork = Cork::Shut;
        Poll::Ready(flushed)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn pair() -> (Corked, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let client = TcpStream::connect(addr).await.expect("connect");
        let (server, _) = listener.accept().await.expect("accept");
        (Corked::new(server), client)
    }

    /// A response is written only after the tasks queued behind its own
    /// have run; each response waits again, and every byte arrives.
    #[tokio::test(flavor = "current_thread")]
    async fn a_response_waits_for_the_tasks_queued_behind_it() {
        let (mut server, mut client) = pair().await;
        for round in 0..3u8 {
            let other_ran = Arc::new(AtomicBool::new(false));
            let flag = Arc::clone(&other_ran);
            let writer = tokio::spawn(async move {
                server.write_all(&[round; 3]).await.expect("write");
                server.flush().await.expect("flush");
                let seen = flag.load(Ordering::SeqCst);
                (server, seen)
            });
            // Queued after the writer, on the same (only) thread.
            let flag = Arc::clone(&other_ran);
            tokio::spawn(async move { flag.store(true, Ordering::SeqCst) });
            let (back, seen) = writer.await.expect("writer task");
            server = back;
            assert!(seen, "round {round}: the write did not wait for the queued task");
            let mut got = [0u8; 3];
            client.read_exact(&mut got).await.expect("read");
            assert_eq!(got, [round; 3]);
        }
    }

    /// A write larger than the socket buffer goes out whole.
    #[tokio::test(flavor = "current_thread")]
    async fn a_large_response_arrives_whole() {
        let (mut server, mut client) = pair().await;
        let body: Vec<u8> = (0..4 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
        let expected = body.clone();
        let writer = tokio::spawn(async move {
            server.write_all(&body).await.expect("write");
            server.shutdown().await.expect("shutdown");
        });
        let mut got = Vec::new();
        client.read_to_end(&mut got).await.expect("read");
        writer.await.expect("writer task");
        assert_eq!(got, expected);
    }
}
