//! Memory accounting for one thread's work: how much a query evaluation has
//! allocated, so that `serve --query-memory` can cancel it.
//!
//! [`Counting`] wraps the global allocator (`main.rs` installs it over
//! mimalloc). While a thread runs inside [`Account::enter`], each allocation
//! and free on that thread moves the account's balance; past the budget the
//! account cancels its query's token, which the evaluator sees at its next
//! tuple. Threads without an account pay one thread-local read per
//! allocation.
//!
//! Written here rather than taken from a crate: the allocator wrappers on
//! crates.io (`cap`, `stats_alloc`, `tracking-allocator`) count the whole
//! process or need a registry of their own; what is needed is one balance per
//! evaluating thread that cancels a token, with no allocation of its own.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

use oxigraph::sparql::CancellationToken;

thread_local! {
    static CURRENT: Cell<*const Account> = const { Cell::new(std::ptr::null()) };
}

/// The allocation balance of one piece of work, with its budget.
pub struct Account {
    balance: AtomicIsize,
    peak: AtomicIsize,
    budget: isize,
    exceeded: AtomicBool,
    token: CancellationToken,
}

impl Account {
    pub fn new(budget: usize, token: CancellationToken) -> Self {
        Account {
            balance: AtomicIsize::new(0),
            peak: AtomicIsize::new(0),
            budget: isize::try_from(budget).unwrap_or(isize::MAX),
            exceeded: AtomicBool::new(false),
            token,
        }
    }

    /// Runs `work` with this thread's allocations counted here.
    pub fn enter<T>(&self, work: impl FnOnce() -> T) -> T {
        struct Leave(*const Account);
        impl Drop for Leave {
            fn drop(&mut self) {
                CURRENT.with(|c| c.set(self.0));
            }
        }
        let previous = CURRENT.with(|c| c.replace(self));
        let _leave = Leave(previous);
        work()
    }

    /// True once the balance went past the budget (the token is cancelled).
    pub fn exceeded(&self) -> bool {
        self.exceeded.load(Ordering::Relaxed)
    }

    /// The highest balance seen, in bytes (0 without [`Counting`]).
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::Relaxed).max(0) as usize
    }

    fn add(&self, bytes: isize) {
        let balance = self.balance.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if bytes > 0 && balance > self.peak.load(Ordering::Relaxed) {
            self.peak.store(balance, Ordering::Relaxed);
            if balance > self.budget && !self.exceeded.swap(true, Ordering::Relaxed) {
                // An atomic store: no allocation inside the allocator.
                self.token.cancel();
            }
        }
    }
}

fn charge(bytes: isize) {
    // try_with: during thread teardown the slot may be gone; nothing to count.
    let _ = CURRENT.try_with(|c| {
        let account = c.get();
        if !account.is_null() {
            // SAFETY: `enter` sets the pointer for the duration of a borrow
            // of the account and restores the previous one before it ends.
            unsafe { (*account).add(bytes) }
        }
    });
}

/// A global allocator that charges the current thread's [`Account`].
pub struct Counting<A>(pub A);

// SAFETY: every call is forwarded to the inner allocator unchanged; the
// accounting only reads a thread-local and updates atomics.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Counting<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { self.0.alloc(layout) };
        if !p.is_null() {
            charge(layout.size() as isize);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { self.0.alloc_zeroed(layout) };
        if !p.is_null() {
            charge(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { self.0.dealloc(ptr, layout) };
        charge(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { self.0.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            charge(new_size as isize - layout.size() as isize);
        }
        p
    }
}

/// `mi_option_purge_delay` in mimalloc.h (v2, as bundled by libmimalloc-sys
/// 0.1.49, pinned for this reason); the crate has no constant for it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Tells mimalloc (the binary's allocator, see `main.rs`) to give freed
/// pages back at once instead of after 10 ms: the loader's threads free
/// their YAML trees page by page as they go, and with the default delay the
/// build peaked at 175 MB instead of 135 MB (100,000 records), at no
/// measurable cost in time.
pub fn purge_at_once() {
    // SAFETY: sets a plain integer option; mimalloc allows it at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
}
