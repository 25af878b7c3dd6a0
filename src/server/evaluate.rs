//! Where queries run, and what stops them.
//!
//! Each evaluation runs on a thread of its own with [`guard::STACK`] bytes of
//! stack, holding one of the `--concurrent-queries` slots until the thread has
//! really ended: a query answered 503 at its deadline keeps its slot while it
//! winds down, so the limit always holds. Three things cancel its token, which
//! every node of the plan checks at each tuple (the patched spareval in
//! `vendor/spareval`): the deadline (`--query-timeout`), its memory
//! (`--query-memory`, counted by [`crate::alloc`] on the thread) and the end
//! of the process ([`Evaluations::cancel_all`]). A client that goes away
//! cancels its query too.
//!
//! Long queries: one that has used [`LONG_AFTER`] of CPU time, or held its
//! slot twice that long, needs one of the `--long-queries` slots (a quarter
//! of the slots by default) or is cancelled with a 503; once it has one it
//! gives its normal slot back to the short queries and runs at the lowest CPU
//! priority (nice 19, for its thread alone), so runaways cannot hold the
//! slots until their deadline. At most `--concurrent-queries` short and
//! `--long-queries` long evaluations run at once. `bench/soak.sh` measures it
//! (bench/RESULTS.md): at 10,000 records, 5% of runaways among 64 clients on
//! two cores raise the plain queries' p99 1.96 times. At 100,000 records the
//! "1 s in a slot" rule also cancels ordinary queries of a machine that is
//! merely busy: it needs a better measure of "long" than wall time.
//!
//! Fair use: a client (its address) may run `--per-client` evaluations at
//! once and spend `--client-budget` of evaluation time a minute, the rule of
//! Wikidata's query service; past either it gets 429 with `Retry-After`.
//! When every slot is busy a request waits `--queue-wait`, then gets 503.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use oxigraph::sparql::CancellationToken;
use tokio::sync::{Semaphore, oneshot};

use super::error::ApiError;
use super::guard;
use crate::alloc::Account;

/// The window of `--client-budget`.
const WINDOW: Duration = Duration::from_secs(60);

/// A query that has used this much CPU time is long: it needs a long slot.
pub const LONG_AFTER: Duration = Duration::from_millis(500);

/// The settings of [`Evaluations`].
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub concurrent: usize,
    pub timeout: Duration,
    pub memory: usize,
    pub queue_wait: Duration,
    pub per_client: usize,
    pub client_budget: Duration,
    /// Evaluations that may run past [`LONG_AFTER`] at once.
    pub long: usize,
}

/// The evaluations of one server.
pub struct Evaluations {
    rules: Rules,
    slots: Arc<Semaphore>,
    long: Arc<Semaphore>,
    running: Arc<AtomicUsize>,
    tokens: Arc<Mutex<HashMap<u64, CancellationToken>>>,
    next: AtomicU64,
    clients: Arc<Mutex<HashMap<IpAddr, Usage>>>,
    pub counters: Counters,
}

/// What the evaluations came to, for `/metrics`.
#[derive(Default)]
pub struct Counters {
    pub timed_out: AtomicU64,
    pub out_of_memory: AtomicU64,
    pub too_many: AtomicU64,
    pub busy: AtomicU64,
}

#[derive(Debug)]
struct Usage {
    in_flight: usize,
    window_start: Instant,
    spent: Duration,
}

impl Evaluations {
    pub fn new(rules: Rules) -> Self {
        Evaluations {
            rules,
            slots: Arc::new(Semaphore::new(rules.concurrent.max(1))),
            long: Arc::new(Semaphore::new(rules.long.clamp(1, rules.concurrent.max(1)))),
            running: Arc::new(AtomicUsize::new(0)),
            tokens: Arc::default(),
            next: AtomicU64::new(0),
            clients: Arc::default(),
            counters: Counters::default(),
        }
    }

    /// Evaluations whose thread has not ended, cancelled ones included.
    pub fn running(&self) -> usize {
        self.running.load(Ordering::SeqCst)
    }

    /// Cancels every evaluation (at shutdown).
    pub fn cancel_all(&self) {
        for token in self.tokens.lock().expect("tokens lock").values() {
            token.cancel();
        }
    }

    /// Waits until no evaluation runs, for at most `within`; true if none does.
    pub async fn stopped(&self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while self.running() > 0 {
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        true
    }

    /// Runs `work` on a deep-stack thread with no slot and no limits: parsing,
    /// which [`guard`] bounds by itself.
    pub async fn deep<T: Send + 'static>(
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let (tx, rx) = oneshot::channel();
        spawn(move || {
            let _ = tx.send(work());
        })?;
        rx.await
            .map_err(|_| ApiError::Internal("a query thread ended without an answer".into()))
    }

    /// Runs `work` as an evaluation for `client`, under the rules above.
    pub async fn evaluate<T: Send + 'static>(
        &self,
        client: Option<IpAddr>,
        work: impl FnOnce(&CancellationToken) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let _client = match client {
            Some(ip) => Some(self.admit(ip)?),
            None => None,
        };
        let permit =
            match tokio::time::timeout(self.rules.queue_wait, self.slots.clone().acquire_owned())
                .await
            {
                Ok(Ok(permit)) => permit,
                _ => {
                    self.counters.busy.fetch_add(1, Ordering::Relaxed);
                    return Err(ApiError::Busy(self.rules.queue_wait));
                }
            };
        let token = CancellationToken::new();
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.tokens
            .lock()
            .expect("tokens lock")
            .insert(id, token.clone());
        let job = Job {
            id,
            tokens: Arc::clone(&self.tokens),
            running: Arc::clone(&self.running),
        };
        self.running.fetch_add(1, Ordering::SeqCst);
        let account = Account::new(self.rules.memory, token.clone());
        let memory = self.rules.memory;
        let (tx, rx) = oneshot::channel();
        let started = Instant::now();
        let thread = Arc::new(Thread::default());
        thread.hold(permit);
        {
            let (token, thread) = (token.clone(), Arc::clone(&thread));
            spawn(move || {
                thread.started();
                let result = account.enter(|| work(&token));
                let result = match result {
                    Err(_) if account.exceeded() => Err(ApiError::QueryMemory(memory)),
                    r => r,
                };
                let _ = tx.send(result);
                // The slots and the count are given back only now.
                thread.ended();
                drop(job);
            })?;
        }
        let cancel_on_drop = CancelOnDrop(Some(token.clone()));
        let result = self.wait(rx, &token, &thread).await;
        cancel_on_drop.disarm();
        if let Some(ip) = client {
            self.charge(ip, started.elapsed());
        }
        match &result {
            Err(ApiError::Timeout(_)) => &self.counters.timed_out,
            Err(ApiError::QueryMemory(_)) => &self.counters.out_of_memory,
            _ => return result,
        }
        .fetch_add(1, Ordering::Relaxed);
        result
    }

    /// The answer of an evaluation, cancelling it at the deadline; past
    /// [`LONG_AFTER`] it needs one of the long slots, and runs at the lowest
    /// CPU priority, so that short queries keep their latency on a machine
    /// busy with long ones.
    async fn wait<T: Send + 'static>(
        &self,
        mut rx: oneshot::Receiver<Result<T, ApiError>>,
        token: &CancellationToken,
        thread: &Thread,
    ) -> Result<T, ApiError> {
        let started = tokio::time::Instant::now();
        let deadline = started + self.rules.timeout;
        // Long is LONG_AFTER of CPU time, or twice that of waiting: a short
        // query slowed by a busy machine is not long at once, but a query
        // that holds a slot for a second is. Checked every 100 ms.
        let mut check = tokio::time::Instant::now() + LONG_AFTER;
        while check < deadline {
            tokio::select! {
                answer = &mut rx => return answered(answer),
                () = tokio::time::sleep_until(check) => {}
            }
            let waited = check.duration_since(started);
            if thread.cpu() < LONG_AFTER && waited < 2 * LONG_AFTER {
                check += Duration::from_millis(100);
                continue;
            }
            match Arc::clone(&self.long).try_acquire_owned() {
                Ok(permit) => thread.lengthen(permit),
                Err(_) => {
                    token.cancel();
                    self.counters.busy.fetch_add(1, Ordering::Relaxed);
                    return Err(ApiError::LongQueriesBusy(self.rules.long));
                }
            }
            break;
        }
        match tokio::time::timeout_at(deadline, rx).await {
            Ok(answer) => answered(answer),
            Err(_) => {
                token.cancel();
                Err(ApiError::Timeout(self.rules.timeout))
            }
        }
    }

    /// Counts one more evaluation of `ip`, or refuses it with 429.
    fn admit(&self, ip: IpAddr) -> Result<ClientSlot, ApiError> {
        let mut clients = self.clients.lock().expect("clients lock");
        let now = Instant::now();
        if clients.len() > 10_000 {
            clients.retain(|_, u| u.in_flight > 0 || now - u.window_start < WINDOW);
        }
        let usage = clients.entry(ip).or_insert(Usage {
            in_flight: 0,
            window_start: now,
            spent: Duration::ZERO,
        });
        if now - usage.window_start >= WINDOW {
            usage.window_start = now;
            usage.spent = Duration::ZERO;
        }
        let refusal = if usage.in_flight >= self.rules.per_client {
            Some(ApiError::TooManyRequests {
                why: format!(
                    "at most {} queries at once from one client",
                    self.rules.per_client
                ),
                retry_after: 1,
            })
        } else if usage.spent >= self.rules.client_budget {
            let left = WINDOW.saturating_sub(now - usage.window_start);
            Some(ApiError::TooManyRequests {
                why: format!(
                    "this client used its {} s of query time for this minute",
                    self.rules.client_budget.as_secs_f64()
                ),
                retry_after: left.as_secs().max(1),
            })
        } else {
            None
        };
        if let Some(refusal) = refusal {
            self.counters.too_many.fetch_add(1, Ordering::Relaxed);
            return Err(refusal);
        }
        usage.in_flight += 1;
        Ok(ClientSlot {
            ip,
            clients: Arc::clone(&self.clients),
        })
    }

    fn charge(&self, ip: IpAddr, spent: Duration) {
        if let Some(usage) = self.clients.lock().expect("clients lock").get_mut(&ip) {
            usage.spent += spent;
        }
    }
}

fn answered<T>(
    answer: Result<Result<T, ApiError>, oneshot::error::RecvError>,
) -> Result<T, ApiError> {
    answer.unwrap_or_else(|_| {
        Err(ApiError::Internal(
            "a query thread ended without an answer".into(),
        ))
    })
}

/// The evaluation thread as the waiting side sees it: its id, to lower its
/// priority, and the slot it holds until it ends (a normal one, then a long
/// one once it is long).
#[derive(Default)]
struct Thread {
    tid: std::sync::atomic::AtomicI32,
    slot: Mutex<Option<tokio::sync::OwnedSemaphorePermit>>,
    ended: std::sync::atomic::AtomicBool,
}

impl Thread {
    fn started(&self) {
        // SAFETY: gettid has no preconditions.
        self.tid.store(unsafe { libc::gettid() }, Ordering::SeqCst);
    }

    /// The CPU time the thread has used (from /proc; zero if unknown).
    fn cpu(&self) -> Duration {
        let tid = self.tid.load(Ordering::SeqCst);
        if tid <= 0 || self.ended.load(Ordering::SeqCst) {
            return Duration::ZERO;
        }
        let task = format!("/proc/self/task/{tid}");
        let schedstat = std::fs::read_to_string(format!("{task}/schedstat"))
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
            .map(Duration::from_nanos);
        // Without schedstats, utime + stime in clock ticks (1/100 s on Linux).
        schedstat
            .or_else(|| {
                let stat = std::fs::read_to_string(format!("{task}/stat")).ok()?;
                let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
                let ticks =
                    fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
                Some(Duration::from_millis(ticks * 10))
            })
            .unwrap_or_default()
    }

    fn hold(&self, permit: tokio::sync::OwnedSemaphorePermit) {
        *self.slot.lock().expect("slot lock") = Some(permit);
    }

    fn ended(&self) {
        self.ended.store(true, Ordering::SeqCst);
        self.slot.lock().expect("slot lock").take();
    }

    /// Holds the long slot `permit` until the thread ends, giving back its
    /// normal slot to the short queries, and lowers its priority.
    fn lengthen(&self, permit: tokio::sync::OwnedSemaphorePermit) {
        let mut slot = self.slot.lock().expect("slot lock");
        if self.ended.load(Ordering::SeqCst) {
            return;
        }
        *slot = Some(permit);
        let tid = self.tid.load(Ordering::SeqCst);
        if tid > 0 {
            // Nice 19 for this thread alone (Linux sets it per thread). A
            // failure leaves it at its priority: nothing else depends on it.
            // SAFETY: setpriority with a thread id of this process.
            unsafe { libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 19) };
        }
    }
}

/// One evaluation of a client, counted while it lives.
struct ClientSlot {
    ip: IpAddr,
    clients: Arc<Mutex<HashMap<IpAddr, Usage>>>,
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        if let Some(usage) = self.clients.lock().expect("clients lock").get_mut(&self.ip) {
            usage.in_flight -= 1;
        }
    }
}

/// A running evaluation: registered for `cancel_all` and counted.
struct Job {
    id: u64,
    tokens: Arc<Mutex<HashMap<u64, CancellationToken>>>,
    running: Arc<AtomicUsize>,
}

impl Drop for Job {
    fn drop(&mut self) {
        self.tokens.lock().expect("tokens lock").remove(&self.id);
        self.running.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Cancels the evaluation when the request is dropped (the client left).
struct CancelOnDrop(Option<CancellationToken>);

impl CancelOnDrop {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(token) = &self.0 {
            token.cancel();
        }
    }
}

fn spawn(work: impl FnOnce() + Send + 'static) -> Result<(), ApiError> {
    std::thread::Builder::new()
        .name("orgdir-query".into())
        .stack_size(guard::STACK)
        .spawn(work)
        .map(drop)
        .map_err(|e| ApiError::Unavailable(format!("cannot start a query thread: {e}")))
}
