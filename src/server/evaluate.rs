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
//! Long queries: one that has used more CPU time, or held its slot longer,
//! than this endpoint's answers usually need (see [`Usual`]: four times the
//! 90th percentiles of the last answers, within bounds) needs one of
//! the `--long-queries` slots (a quarter of the slots by default) or is
//! cancelled with a 503; once it has one it gives its normal slot back to
//! the short queries and runs at the lowest CPU priority (nice 19, for its
//! thread alone), so runaways cannot hold the
//! slots until their deadline. At most `--concurrent-queries` short and
//! `--long-queries` long evaluations run at once. `bench/soak.sh` measures it
//! (bench/RESULTS.md): at 10,000 records, 5% of runaways among 64 clients on
//! two cores raise the plain queries' p99 at most 2 times. Both times are
//! judged against the usual: a fixed "1 s in the slot" (the rule until
//! 2026-12-01) cancelled 36% of the ordinary queries of a machine that was
//! merely busy at 100,000 records, where ordinary answers take seconds; CPU
//! time alone (0.5 s) is reached by a runaway starved by 16 others only
//! after its deadline, so at 10,000 records it was never promoted and the
//! p99 ratio rose to 2.5, and on a loaded test machine a runaway held its
//! slot to its deadline.
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

/// A query that has used this much CPU time is long whatever the usual: it
/// needs a long slot. Also the rule of a server with too few answers yet.
pub const LONG_AFTER: Duration = Duration::from_millis(500);

/// However quick the usual queries, one is not long before this much CPU.
pub const LONG_AT_LEAST: Duration = Duration::from_millis(50);

/// A query that has held its slot this long is long whatever its CPU time,
/// until the usual answers say otherwise (a runaway starved of CPU by a busy
/// machine would otherwise reach [`LONG_AFTER`] only past its deadline).
pub const IN_SLOT_AT_LEAST: Duration = Duration::from_secs(1);

/// However slow the usual answers, a query in its slot this long is long.
pub const IN_SLOT_AT_MOST: Duration = Duration::from_secs(30);

/// The CPU and slot times of the last answers, from which "long" is judged:
/// four times their 90th percentiles, the CPU time between
/// [`LONG_AT_LEAST`] and [`LONG_AFTER`], the time in the slot between
/// [`IN_SLOT_AT_LEAST`] and [`IN_SLOT_AT_MOST`]. Only answered queries
/// count, so runaways (cancelled) cannot raise it; a flood of trivial queries
/// lowers it to the floors at most. On a machine so busy that ordinary
/// answers take seconds in their slot, the slot time rises with them, so
/// they are not cancelled for it (the wall-time rule of before did that).
#[derive(Default)]
struct Usual {
    /// Rings of the last [`Usual::KEPT`] answers' CPU and slot times.
    cpu: Vec<Duration>,
    in_slot: Vec<Duration>,
    next: usize,
    /// The thresholds, computed again every [`Usual::EVERY`] answers.
    long_after: Option<(Duration, Duration)>,
}

impl Usual {
    const KEPT: usize = 256;
    const EVERY: usize = 32;

    fn add(&mut self, cpu: Duration, in_slot: Duration) {
        if self.cpu.len() < Self::KEPT {
            self.cpu.push(cpu);
            self.in_slot.push(in_slot);
        } else {
            self.cpu[self.next] = cpu;
            self.in_slot[self.next] = in_slot;
        }
        self.next = (self.next + 1) % Self::KEPT;
        if self.next.is_multiple_of(Self::EVERY) {
            let p90 = |times: &[Duration]| {
                let mut sorted = times.to_vec();
                sorted.sort_unstable();
                sorted[(sorted.len() - 1) * 9 / 10]
            };
            self.long_after = Some((
                (4 * p90(&self.cpu)).clamp(LONG_AT_LEAST, LONG_AFTER),
                (4 * p90(&self.in_slot)).clamp(IN_SLOT_AT_LEAST, IN_SLOT_AT_MOST),
            ));
        }
    }

    /// The CPU time and the time in the slot past which a query is long.
    fn long_after(&self) -> (Duration, Duration) {
        self.long_after.unwrap_or((LONG_AFTER, IN_SLOT_AT_LEAST))
    }
}

/// The settings of [`Evaluations`].
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub concurrent: usize,
    pub timeout: Duration,
    pub memory: usize,
    pub queue_wait: Duration,
    pub per_client: usize,
    pub client_budget: Duration,
    /// Evaluations that may run longer than usual at once (the module docs say how "long" is judged).
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
    usual: Arc<Mutex<Usual>>,
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
            usual: Arc::default(),
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
            let usual = Arc::clone(&self.usual);
            spawn(move || {
                thread.started();
                let began = Instant::now();
                let result = account.enter(|| work(&token));
                let result = match result {
                    Err(_) if account.exceeded() => Err(ApiError::QueryMemory(memory)),
                    r => r,
                };
                if result.is_ok() {
                    usual
                        .lock()
                        .expect("usual lock")
                        .add(own_cpu(), began.elapsed());
                }
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
        // Long is more CPU time than usual (a thread uses no more CPU than
        // wall time, so the first look is at that much wall time); then a
        // look every tenth of it, at most every 100 ms.
        let (long_after, in_slot_after) = self.usual.lock().expect("usual lock").long_after();
        let every = (long_after / 10).clamp(Duration::from_millis(10), Duration::from_millis(100));
        let mut check = started + long_after;
        while check < deadline {
            tokio::select! {
                answer = &mut rx => return answered(answer),
                () = tokio::time::sleep_until(check) => {}
            }
            if thread.cpu() < long_after && check.duration_since(started) < in_slot_after {
                check += every;
                continue;
            }
            match Arc::clone(&self.long).try_acquire_owned() {
                Ok(permit) => thread.lengthen(permit),
                Err(_) => {
                    token.cancel();
                    self.counters.busy.fetch_add(1, Ordering::Relaxed);
                    return Err(ApiError::LongQueriesBusy {
                        running: self.rules.long,
                        cpu: long_after,
                        in_slot: in_slot_after,
                    });
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

/// The CPU time the calling thread has used.
fn own_cpu() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given.
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) } != 0 {
        return Duration::ZERO;
    }
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

fn spawn(work: impl FnOnce() + Send + 'static) -> Result<(), ApiError> {
    std::thread::Builder::new()
        .name("orgdir-query".into())
        .stack_size(guard::STACK)
        .spawn(work)
        .map(drop)
        .map_err(|e| ApiError::Unavailable(format!("cannot start a query thread: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn long_is_four_times_the_usual_within_its_bounds() {
        let mut usual = Usual::default();
        let cpu = |u: &Usual| u.long_after().0;
        let in_slot = |u: &Usual| u.long_after().1;
        // Too few answers yet: the fixed rule.
        for _ in 0..Usual::EVERY - 1 {
            usual.add(ms(10), ms(30));
        }
        assert_eq!(usual.long_after(), (LONG_AFTER, IN_SLOT_AT_LEAST));
        usual.add(ms(10), ms(30));
        assert_eq!(cpu(&usual), ms(50), "4 x 10 ms, raised to the floor");
        assert_eq!(in_slot(&usual), IN_SLOT_AT_LEAST);
        // Answers of 20 ms and a tail of 100: the 90th percentile is 20 ms.
        for i in 0..Usual::KEPT {
            usual.add(if i % 20 == 0 { ms(100) } else { ms(20) }, ms(300));
        }
        assert_eq!(cpu(&usual), ms(80));
        assert_eq!(in_slot(&usual), ms(1200));
        // Slow answers (100,000 records, a busy machine) take the CPU time
        // to its ceiling, and the time in the slot with them.
        for _ in 0..Usual::KEPT {
            usual.add(ms(240), ms(2500));
        }
        assert_eq!(usual.long_after(), (LONG_AFTER, ms(10_000)));
        for _ in 0..Usual::KEPT {
            usual.add(ms(240), ms(60_000));
        }
        assert_eq!(in_slot(&usual), IN_SLOT_AT_MOST);
        // The ring forgets: quick answers bring it down again.
        for _ in 0..Usual::KEPT {
            usual.add(ms(15), ms(20));
        }
        assert_eq!(usual.long_after(), (ms(60), IN_SLOT_AT_LEAST));
    }

    #[test]
    fn a_thread_knows_its_own_cpu_time() {
        // Busy until the clock says 20 ms were used (a clock that stood
        // still would keep it busy 10 s), then a sleep that uses none.
        let before = own_cpu();
        let start = Instant::now();
        let mut x = 0u64;
        while own_cpu() - before < ms(20) && start.elapsed() < Duration::from_secs(10) {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the clock stood still"
        );
        let busy = own_cpu();
        std::thread::sleep(ms(50));
        assert!(own_cpu() - busy < ms(10), "sleeping used CPU");
    }
}
