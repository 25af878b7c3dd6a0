//! `orgdir publish`: load and validate the data as `build` does, then
//! replace the named graph in an existing triplestore.

use super::progress::Progress;
use super::verdict;
use crate::error::{Error, exit};
use crate::publish::{self, Method, PublishOptions};
use crate::source;

pub fn run(options: &PublishOptions) -> Result<u8, Error> {
    let (auth, target) = publish::prepare(options)?;
    let progress = Progress::start("publish", options.quiet);
    // A release was validated when it was built, and is sent as it is.
    let (input, warnings, what) = match &options.release {
        Some(dir) => {
            progress.step(format!("checking the release in {}", dir.display()));
            let release = publish::Release::open(dir)?;
            let what = format!(" of release {}", release.version);
            (publish::Input::Release(release), String::new(), what)
        }
        None => {
            progress.step(format!("loading {}", options.data.display()));
            let source = source::load(&options.data, options.limits)?;
            progress.step("validating against the shapes");
            let ((_, warnings), _) =
                verdict::check_remembered(&source, &options.shapes, options.limits)?;
            let input = publish::Input::Source(std::sync::Arc::new(source));
            (input, warnings.to_string(), String::new())
        }
    };
    progress.step(format!("sending the graph to {}", target.endpoint));
    let published = publish::run(options, &target, auth, input, &|step| progress.step(step))?;
    progress.finish();
    if !options.quiet {
        eprint!("{warnings}");
    }
    if !options.quiet {
        let how = match target.method {
            Method::Gsp => "Graph Store PUT",
            Method::GspBatches => "Graph Store PUT and POSTs",
            Method::Update => "SPARQL Update",
        };
        eprintln!(
            "published {} triples{what} into <{}> at {} ({how}, {} request{}, {:.2} s)",
            published.triples,
            published.graph,
            target.endpoint,
            published.requests,
            if published.requests == 1 { "" } else { "s" },
            published.seconds,
        );
        match &published.verified_hash {
            Some(hash) => eprintln!(
                "  the remote graph holds the same {} triples; canonical hash (RDFC-1.0, SHA-256) {hash}",
                published.remote_triples
            ),
            None => eprintln!(
                "  the remote graph holds {} triples, as built",
                published.remote_triples
            ),
        }
    }
    Ok(exit::SUCCESS)
}
