//! What a long command shows on stderr while it runs: on a terminal, an
//! indicatif spinner (a bar when the step counts something) with the step
//! and the time, once the run has lasted [`TERMINAL_AFTER`]; otherwise (a CI
//! log) a plain line when a step starts once the run has lasted
//! [`LINES_AFTER`], and a line every [`LINE_EVERY`] while a step goes on.
//! A run shorter than that prints nothing; `-q` prints nothing ever.
//!
//! `ORGDIR_PROGRESS_EVERY_MS` sets the lines' cadence (and shows them from
//! the start): for a CI log that wants more or fewer, and for the tests.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// A terminal shows the spinner after this.
const TERMINAL_AFTER: Duration = Duration::from_millis(500);
/// A log gets its first line after this.
const LINES_AFTER: Duration = Duration::from_secs(2);
/// A log gets a line this often while a step goes on.
const LINE_EVERY: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Terminal,
    Lines { after: Duration, every: Duration },
}

struct State {
    step: String,
    /// Bumped at each step: the ticker prints a step once.
    generation: u64,
    len: Option<u64>,
    done: bool,
}

struct Shared {
    command: &'static str,
    state: Mutex<State>,
    wake: Condvar,
    pos: AtomicU64,
}

/// The progress of one command; dropped (or [`Progress::finish`]ed), it
/// clears what it drew.
pub struct Progress {
    shared: Option<Arc<Shared>>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    /// Progress for `orgdir COMMAND`; nothing at all when `quiet`.
    pub fn start(command: &'static str, quiet: bool) -> Progress {
        let every = std::env::var("ORGDIR_PROGRESS_EVERY_MS")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_millis);
        let mode = match every {
            _ if quiet => None,
            Some(every) => Some(Mode::Lines {
                after: Duration::ZERO,
                every,
            }),
            None if std::io::stderr().is_terminal() => Some(Mode::Terminal),
            None => Some(Mode::Lines {
                after: LINES_AFTER,
                every: LINE_EVERY,
            }),
        };
        let Some(mode) = mode else {
            return Progress::off();
        };
        let shared = Arc::new(Shared {
            command,
            state: Mutex::new(State {
                step: String::new(),
                generation: 0,
                len: None,
                done: false,
            }),
            wake: Condvar::new(),
            pos: AtomicU64::new(0),
        });
        let ticker = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("progress".into())
                .spawn(move || tick(&shared, mode))
                .ok()
        };
        Progress {
            shared: Some(shared),
            ticker,
        }
    }

    /// Progress that shows nothing (a command run from a test or a library).
    pub fn off() -> Progress {
        Progress {
            shared: None,
            ticker: None,
        }
    }

    /// A new step: what the command is doing now.
    pub fn step(&self, step: impl Into<String>) {
        self.set(step.into(), None);
    }

    /// A new step that counts to `len` (rows, batches); [`Progress::inc`] as it goes.
    pub fn counted(&self, step: impl Into<String>, len: u64) {
        self.set(step.into(), Some(len));
    }

    fn set(&self, step: String, len: Option<u64>) {
        let Some(shared) = &self.shared else { return };
        let mut state = shared.state.lock().expect("not poisoned");
        state.step = step;
        state.len = len;
        state.generation += 1;
        shared.pos.store(0, Ordering::Relaxed);
        shared.wake.notify_all();
    }

    /// Counts `n` more of the current step (from any thread).
    pub fn inc(&self, n: u64) {
        if let Some(shared) = &self.shared {
            shared.pos.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// Stops, clearing the spinner, before the command prints its result.
    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(shared) = self.shared.take() {
            shared.state.lock().expect("not poisoned").done = true;
            shared.wake.notify_all();
        }
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop();
    }
}

fn tick(shared: &Shared, mode: Mode) {
    let start = Instant::now();
    let mut bar: Option<indicatif::ProgressBar> = None;
    let mut printed = 0; // the generation last printed, in lines mode
    let mut last_line = start;
    let mut state = shared.state.lock().expect("not poisoned");
    loop {
        let wait = match mode {
            Mode::Terminal => Duration::from_millis(100),
            Mode::Lines { every, .. } => {
                every.clamp(Duration::from_millis(10), Duration::from_millis(200))
            }
        };
        state = shared
            .wake
            .wait_timeout(state, wait)
            .expect("not poisoned")
            .0;
        if state.done {
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            return;
        }
        let pos = shared.pos.load(Ordering::Relaxed);
        let elapsed = start.elapsed();
        let counted = state
            .len
            .map(|len| format!(" {pos}/{len}"))
            .unwrap_or_default();
        match mode {
            Mode::Terminal if elapsed >= TERMINAL_AFTER => {
                let bar = bar.get_or_insert_with(|| {
                    // The run's time, not the spinner's; drawn once it says something.
                    let bar = indicatif::ProgressBar::new_spinner()
                        .with_style(style(SPINNER))
                        .with_elapsed(elapsed)
                        .with_prefix(format!("orgdir {}:", shared.command))
                        .with_message(state.step.clone());
                    bar.enable_steady_tick(Duration::from_millis(100));
                    bar
                });
                match state.len {
                    Some(len) if bar.length() != Some(len) => {
                        bar.set_length(len);
                        bar.set_style(style(BAR));
                    }
                    None if bar.length().is_some() => {
                        bar.unset_length();
                        bar.set_style(style(SPINNER));
                    }
                    _ => {}
                }
                bar.set_position(pos);
                if bar.message() != state.step {
                    bar.set_message(state.step.clone());
                }
            }
            Mode::Terminal => {}
            Mode::Lines { after, every } => {
                if elapsed < after || state.step.is_empty() {
                    continue;
                }
                let new = printed != state.generation;
                if new || last_line.elapsed() >= every {
                    eprintln!(
                        "orgdir {}: {}{counted} ({:.1} s)",
                        shared.command,
                        state.step,
                        elapsed.as_secs_f64()
                    );
                    printed = state.generation;
                    last_line = Instant::now();
                }
            }
        }
    }
}

const SPINNER: &str = "{spinner} {prefix} {msg}, {elapsed}";
const BAR: &str = "{spinner} {prefix} [{bar:30}] {pos}/{len} {msg}, {elapsed}";

fn style(template: &str) -> indicatif::ProgressStyle {
    indicatif::ProgressStyle::with_template(template)
        .expect("a valid template")
        .progress_chars("=> ")
}
