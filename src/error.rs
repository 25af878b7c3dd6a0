//! The top-level error and its exit code.

use std::io;
use std::path::PathBuf;

use crate::publish::PublishError;
use crate::source::SourceError;
use crate::store::StoreError;
use crate::validate::ShapesError;
use crate::validate::engine::EngineError;

/// Exit codes, as documented in README: 0 success, 1 findings, 2 bad input,
/// usage or I/O error.
pub mod exit {
    pub const SUCCESS: u8 = 0;
    pub const FINDINGS: u8 = 1;
    pub const BAD_INPUT: u8 = 2;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Source(#[from] SourceError),

    #[error("cannot {action} {}", crate::fsutil::shown(path))]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },

    #[error(
        "refusing to replace {}: it holds {entries}, which orgdir did not write (choose another --out)",
        path.display()
    )]
    ForeignOutput { path: PathBuf, entries: String },

    #[error(
        "another orgdir run is writing {}: it holds the lock {} (run again without --no-wait to wait for it)",
        crate::fsutil::shown(target),
        crate::fsutil::shown(lock)
    )]
    Locked { target: PathBuf, lock: PathBuf },

    #[error("refusing to write {}: {why}", crate::fsutil::shown(path))]
    Refused { path: PathBuf, why: String },

    #[error(transparent)]
    Store(#[from] StoreError),

    #[error("cannot listen on {addr}")]
    Listen {
        addr: std::net::SocketAddr,
        source: io::Error,
    },

    #[error("{0}")]
    Query(String),

    #[error("cannot start the HTTP client: {0}")]
    Http(String),

    #[error(transparent)]
    Shapes(#[from] ShapesError),

    #[error(transparent)]
    Engine(#[from] EngineError),

    #[error(transparent)]
    Publish(#[from] PublishError),

    #[error("{0}")]
    Release(String),

    /// The data loads but does not conform to the shapes.
    #[error("{violations} SHACL violation{} (run `orgdir validate` for the report)", if *.violations == 1 { "" } else { "s" })]
    Invalid {
        violations: usize,
        /// The text report, shown before the error line.
        report: String,
    },
}

impl From<crate::fsutil::ListError> for Error {
    fn from(e: crate::fsutil::ListError) -> Self {
        Error::Io {
            action: "read the directory",
            path: e.path,
            source: e.source,
        }
    }
}

impl Error {
    pub fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Error {
        move |source| Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// The whole report for a person: the source problems with their lines
    /// shown, then `error: ...` (with `outcome` appended, such as "nothing
    /// was written"), then each cause once.
    pub fn render(&self, outcome: Option<&str>) -> String {
        use std::fmt::Write as _;
        let mut out = match self {
            Error::Source(s) => crate::source::render(&s.diagnostics),
            Error::Store(StoreError::Queries(d)) => crate::source::render(d),
            Error::Shapes(ShapesError::Syntax(d)) => crate::source::render(d),
            Error::Invalid { report, .. } => report.clone(),
            _ => String::new(),
        };
        let _ = write!(out, "error: {self}");
        if let Some(o) = outcome {
            let _ = write!(out, "; {o}");
        }
        out.push('\n');
        let mut cause = std::error::Error::source(self);
        while let Some(c) = cause {
            let _ = writeln!(out, "  caused by: {c}");
            cause = c.source();
        }
        out
    }

    /// A write to a closed pipe (`orgdir query ... | head`): the reader has
    /// what it wanted, so this ends the run quietly.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == io::ErrorKind::BrokenPipe)
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Source(_)
            | Error::Io { .. }
            | Error::ForeignOutput { .. }
            | Error::Locked { .. }
            | Error::Refused { .. }
            | Error::Store(_)
            | Error::Listen { .. }
            | Error::Query(_)
            | Error::Http(_)
            | Error::Shapes(_)
            | Error::Engine(_)
            | Error::Release(_) => exit::BAD_INPUT,
            Error::Publish(PublishError::Mismatch(_)) => exit::FINDINGS,
            Error::Publish(_) => exit::BAD_INPUT,
            Error::Invalid { .. } => exit::FINDINGS,
        }
    }
}
