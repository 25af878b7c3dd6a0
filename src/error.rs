//! The top-level error and its exit code.

use std::io;
use std::path::PathBuf;

use crate::fsutil::FsError;
use crate::linkcheck::LinkcheckError;
use crate::publish::PublishError;
use crate::release::ReleaseError;
use crate::source::SourceError;
use crate::store::StoreError;
use crate::validate::{EngineError, ShapesError, ValidateError};

/// Exit codes, as documented in README: 0 success, 1 findings, 2 bad input,
/// usage or I/O error.
pub mod exit {
    pub const SUCCESS: u8 = 0;
    pub const FINDINGS: u8 = 1;
    pub const BAD_INPUT: u8 = 2;
}

/// Every stage's error, wrapped; only the commands and `main.rs` see it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Source(#[from] SourceError),

    #[error(transparent)]
    Fs(#[from] FsError),

    #[error(transparent)]
    Validate(#[from] ValidateError),

    #[error(transparent)]
    Store(#[from] StoreError),

    #[error(transparent)]
    Release(#[from] ReleaseError),

    #[error(transparent)]
    Linkcheck(#[from] LinkcheckError),

    #[error(transparent)]
    Publish(#[from] PublishError),

    #[error(transparent)]
    Search(#[from] crate::search::SearchError),

    /// `orgdir.toml` (or `--config FILE`) has a problem.
    #[error(transparent)]
    Defaults(#[from] crate::defaults::DefaultsError),

    #[error("cannot listen on {addr}")]
    Listen {
        addr: std::net::SocketAddr,
        source: io::Error,
    },

    /// A query given to `orgdir query` that cannot be answered.
    #[error("{0}")]
    Query(String),

    /// Options that cannot work together or in this build.
    #[error("{0}")]
    Usage(String),

    /// A thread or task of orgdir's own that ended without its result.
    #[error("a background task failed: {0}")]
    Task(String),

    /// The data loads but does not conform to the shapes.
    #[error("{violations} SHACL violation{} (run `orgdir validate` for the report)", if *.violations == 1 { "" } else { "s" })]
    Invalid {
        violations: usize,
        /// The text report, shown before the error line.
        report: String,
    },
}

impl From<ShapesError> for Error {
    fn from(e: ShapesError) -> Self {
        Error::Validate(e.into())
    }
}

impl From<EngineError> for Error {
    fn from(e: EngineError) -> Self {
        Error::Validate(e.into())
    }
}

impl From<crate::fsutil::ListError> for Error {
    fn from(e: crate::fsutil::ListError) -> Self {
        Error::Fs(e.into())
    }
}

impl Error {
    pub fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Error {
        let io = FsError::io(action, path);
        move |source| Error::Fs(io(source))
    }

    /// The whole report for a person: the source problems with their lines
    /// shown, then `error: ...` (with `outcome` appended, such as "nothing
    /// was written"), then each cause once.
    /// The problems at places in files that this error stands for (the
    /// source's, the shapes', the named queries'), if any.
    pub fn diagnostics(&self) -> &[crate::source::Diagnostic] {
        match self {
            Error::Source(s)
            | Error::Validate(ValidateError::Source(s))
            | Error::Linkcheck(LinkcheckError::Input(s))
            | Error::Defaults(crate::defaults::DefaultsError { problems: s, .. }) => &s.diagnostics,
            Error::Store(StoreError::Queries(d))
            | Error::Validate(ValidateError::Shapes(ShapesError::Syntax(d))) => d,
            _ => &[],
        }
    }

    pub fn render(&self, outcome: Option<&str>) -> String {
        use std::fmt::Write as _;
        let mut out = match self {
            Error::Invalid { report, .. } => report.clone(),
            _ => crate::source::render(self.diagnostics()),
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
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(self);
        while let Some(c) = cause {
            if c.downcast_ref::<io::Error>()
                .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            {
                return true;
            }
            cause = c.source();
        }
        false
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Publish(PublishError::Mismatch(_)) | Error::Invalid { .. } => exit::FINDINGS,
            _ => exit::BAD_INPUT,
        }
    }
}
