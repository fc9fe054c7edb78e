//! A local Lambda Runtime API, as the Lambda service serves it to a `provided.al2023`
//! function's `bootstrap` (`AWS_LAMBDA_RUNTIME_API`): the process polls
//! `GET /2018-06-01/runtime/invocation/next`, handles the event, and posts
//! `.../invocation/<id>/response` or `.../error`. The test queues events with [`RuntimeApi::invoke`]
//! and waits for what the process posted with [`RuntimeApi::wait_for`].
//!
//! HTTP/1.1 on std threads, one per connection: the runtime client keeps its connection alive
//! and long-polls `next`, which blocks here until an event is queued.

use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// What the function posted for one invocation.
#[derive(Debug, Clone)]
pub struct Completion {
    /// True for `/response`, false for `/error`.
    pub ok: bool,
    /// The posted body (JSON when it parses, else a string).
    pub body: serde_json::Value,
    /// When it was posted.
    pub at: Instant,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Queued>,
    completions: BTreeMap<String, Completion>,
    /// When the process first asked for an event: the end of its initialisation.
    first_poll: Option<Instant>,
    init_error: Option<String>,
}

struct Queued {
    request_id: String,
    event: serde_json::Value,
    deadline_ms: u128,
}

/// The Runtime API of one function process.
pub struct RuntimeApi {
    /// `127.0.0.1:<port>`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub address: String,
    /// The ARN sent as `Lambda-Runtime-Invoked-Function-Arn`.
    pub function_arn: String,
    shared: Arc<(Mutex<State>, Condvar)>,
    next_id: Mutex<u64>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl RuntimeApi {
    /// Serves on a free port until the test ends.
    pub fn start(function_arn: &str) -> Self {
        let listener =
            TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("cannot listen: {e}"));
        let address = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("no local address: {e}"))
            .to_string();
        let shared = Arc::new((Mutex::new(State::default()), Condvar::new()));
        let serving = shared.clone();
        let arn = function_arn.to_string();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (shared, arn) = (serving.clone(), arn.clone());
                std::thread::spawn(move || serve(stream, &shared, &arn));
            }
        });
        RuntimeApi {
            address,
            function_arn: function_arn.to_string(),
            shared,
            next_id: Mutex::new(0),
        }
    }

    /// Queues `event` for the process, with `timeout` as its deadline; returns its request id.
    pub fn invoke(&self, event: serde_json::Value, timeout: Duration) -> String {
        let n = {
            let mut next = self
                .next_id
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            *next += 1;
            *next
        };
        let request_id = format!("00000000-0000-4000-8000-{n:012}");
        let deadline_ms = (SystemTime::now() + timeout)
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or_default();
        let (state, ready) = &*self.shared;
        lock(state).queue.push_back(Queued {
            request_id: request_id.clone(),
            event,
            deadline_ms,
        });
        ready.notify_all();
        request_id
    }

    /// What the process posted for `request_id`, waiting up to `timeout`.
    pub fn wait_for(&self, request_id: &str, timeout: Duration) -> Option<Completion> {
        let (state, ready) = &*self.shared;
        let until = Instant::now() + timeout;
        let mut s = lock(state);
        loop {
            if let Some(done) = s.completions.get(request_id) {
                return Some(done.clone());
            }
            let left = until.checked_duration_since(Instant::now())?;
            s = ready
                .wait_timeout(s, left)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
    }

    /// When the process first polled for an event.
    pub fn first_poll(&self) -> Option<Instant> {
        lock(&self.shared.0).first_poll
    }

    /// What the process posted to `/runtime/init/error`, if anything.
    pub fn init_error(&self) -> Option<String> {
        lock(&self.shared.0).init_error.clone()
    }
}

fn serve(stream: TcpStream, shared: &(Mutex<State>, Condvar), function_arn: &str) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    while let Some((method, path, body)) = read_request(&mut reader) {
        let (state, ready) = shared;
        let reply = if method == "GET" && path == "/2018-06-01/runtime/invocation/next" {
            let mut s = lock(state);
            s.first_poll.get_or_insert_with(Instant::now);
            // Long poll, as the real service does: block until an event is queued.
            let queued = loop {
                if let Some(q) = s.queue.pop_front() {
                    break q;
                }
                s = ready
                    .wait(s)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
            };
            drop(s);
            let body = queued.event.to_string();
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                 Lambda-Runtime-Aws-Request-Id: {}\r\nLambda-Runtime-Deadline-Ms: {}\r\n\
                 Lambda-Runtime-Invoked-Function-Arn: {function_arn}\r\n\
                 Lambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000;Sampled=0\r\n\
                 Content-Length: {}\r\n\r\n{body}",
                queued.request_id,
                queued.deadline_ms,
                body.len()
            )
        } else if method == "POST" && path.starts_with("/2018-06-01/runtime/invocation/") {
            let rest = &path["/2018-06-01/runtime/invocation/".len()..];
            let (id, kind) = rest.split_once('/').unwrap_or((rest, ""));
            let text = String::from_utf8_lossy(&body).to_string();
            let parsed =
                serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text.clone()));
            lock(state).completions.insert(
                id.to_string(),
                Completion {
                    ok: kind == "response",
                    body: parsed,
                    at: Instant::now(),
                },
            );
            ready.notify_all();
            accepted()
        } else if method == "POST" && path == "/2018-06-01/runtime/init/error" {
            lock(state).init_error = Some(String::from_utf8_lossy(&body).to_string());
            ready.notify_all();
            accepted()
        } else {
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_string()
        };
        if writer.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

fn accepted() -> String {
    let body = r#"{"status":"OK"}"#;
    format!(
        "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// One request: method, path, body. None when the connection closed.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, String, Vec<u8>)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((method, path, body))
}
