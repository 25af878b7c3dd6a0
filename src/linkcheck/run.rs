//! One link check from start to end: fetch what the history does not
//! answer, judge it against the history, write the report and the history.

use super::*;

/// Runs `orgdir linkcheck`; returns the exit code (0, or 1 when a link is
/// broken).
pub fn run(
    options: &LinkcheckOptions,
    source: Source,
    stdout: &mut impl Write,
) -> Result<u8, LinkcheckError> {
    let filter = Filter::new(
        &options.include,
        &options.exclude,
        options.ignore_file.as_deref(),
    )?;
    let mut skipped = Vec::new();
    let targets: Vec<Target> = targets(&source, options.all)
        .into_iter()
        .filter_map(|t| match filter.skip(&t.url) {
            None => Some(t),
            Some(skip) => {
                skipped.push(Skipped::new(t, skip));
                None
            }
        })
        .collect();
    let base = source.dataset.base.value.to_string();
    // The User-Agent names orgdir and, as the contact, the directory's publisher.
    let mut settings = options.settings.clone();
    if let Some(url) = source
        .dataset
        .publisher
        .as_ref()
        .and_then(|p| p.url.as_ref())
    {
        settings.user_agent = format!("{} (+{})", settings.user_agent, url.value);
    }
    drop(source);
    let history = match &options.history {
        Some(path) => History::load(path)?,
        None => History::default(),
    };
    // Whole seconds: the history and the reports read better.
    let now = options.now.unwrap_or_else(|| {
        let now = OffsetDateTime::now_utc();
        now.replace_nanosecond(0).unwrap_or(now)
    });
    if options.offline {
        return offline(options, targets, skipped, &history, now, &base, stdout);
    }
    // Recent enough results stand; the rest are fetched.
    let reused: Vec<Option<(String, Outcome)>> = targets
        .iter()
        .map(|t| {
            if options.max_age.is_zero() {
                return None;
            }
            let (at, record) = history.recent(&t.url, now, options.max_age)?;
            Some((at.to_owned(), record.to_outcome()))
        })
        .collect();
    let to_check: Vec<Target> = targets
        .iter()
        .zip(&reused)
        .filter(|(_, r)| r.is_none())
        .map(|(t, _)| t.clone())
        .collect();
    let checker =
        Arc::new(Checker::new(settings.clone()).map_err(|e| LinkcheckError::Http(e.to_string()))?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(FsError::io("start", "the async runtime"))?;
    let count = to_check.len();
    let quiet = options.quiet;
    // A bar on a terminal; a line per URL in a log (CI); nothing with -q.
    let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(count as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{bar:30}] {pos}/{len} URLs, {elapsed} {wide_msg}",
            )
            .expect("a valid template")
            .progress_chars("=> "),
        );
        bar
    });
    let fetched = runtime.block_on(check_all(
        checker,
        &to_check,
        options.concurrency,
        |done, outcome| match &bar {
            Some(bar) => {
                bar.inc(1);
                bar.set_message(format!("{} {}", outcome.status.as_str(), outcome.url));
            }
            None if !quiet => eprintln!(
                "[{done}/{count}] {} {} ({} ms)",
                outcome.status.as_str(),
                outcome.url,
                outcome.elapsed_ms
            ),
            None => {}
        },
    ));
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if let Some(e) = unreachable(&fetched) {
        return Err(e);
    }
    let run = history::Run {
        at: history::format_time(now),
        results: fetched.iter().map(history::Record::from).collect(),
    };
    let mut fetched = fetched.into_iter();
    let outcomes: Vec<(Outcome, Option<String>)> = reused
        .into_iter()
        .map(|r| match r {
            Some((at, outcome)) => (outcome, Some(at)),
            None => (fetched.next().expect("one per target checked"), None),
        })
        .collect();
    let mut report = Report::new(targets, outcomes, &history, now, options.rules);
    report.skipped = skipped;
    if let Some(endpoint) = &options.archive {
        runtime.block_on(suggest_archived(
            &mut report,
            endpoint,
            &settings.user_agent,
        ));
    }
    runtime.shutdown_timeout(Duration::from_secs(1));
    write_report(options, &report, &history, Some(&run), stdout)?;
    if let Some(path) = &options.history
        && !run.results.is_empty()
    {
        History::append(path, &run)?;
    }
    if let Some(path) = &options.rdf {
        write_rdf(&report, &base, path)?;
    }
    if options.fix {
        let (done, refused) = fix::apply(&report)?;
        for c in &done {
            eprintln!(
                "fixed {}:{}:{}: url: {} -> {}",
                c.file.display(),
                c.line,
                c.col,
                c.old,
                c.new
            );
        }
        for (c, why) in &refused {
            eprintln!("not fixed {}:{}:{}: {why}", c.file.display(), c.line, c.col);
        }
    }
    Ok(if report.failures() > 0 { 1 } else { 0 })
}

/// `--offline`: no request. A URL whose text says it is invalid is invalid
/// now; any other has its last result in the history, whatever its age, or
/// is skipped. Nothing is added to the history.
fn offline(
    options: &LinkcheckOptions,
    targets: Vec<Target>,
    mut skipped: Vec<Skipped>,
    history: &History,
    now: OffsetDateTime,
    base: &str,
    stdout: &mut impl Write,
) -> Result<u8, LinkcheckError> {
    let mut kept = Vec::new();
    let mut outcomes = Vec::new();
    for target in targets {
        if let Some(outcome) = client::offline_verdict(&target.url, options.settings.allow_private)
        {
            outcomes.push((outcome, None));
        } else if let Some((at, record)) = history.recent(&target.url, now, Duration::MAX) {
            outcomes.push((record.to_outcome(), Some(at.to_owned())));
        } else {
            skipped.push(Skipped::new(target, filter::Skip::Offline));
            continue;
        }
        kept.push(target);
    }
    let mut report = Report::new(kept, outcomes, history, now, options.rules);
    report.skipped = skipped;
    report.offline = true;
    write_report(options, &report, history, None, stdout)?;
    if let Some(path) = &options.rdf {
        write_rdf(&report, base, path)?;
    }
    Ok(if report.failures() > 0 { 1 } else { 0 })
}

/// Writes `report` in the format asked for, to `--out` (atomically) or
/// `stdout`; the Markdown and HTML reports chart `history` with this `run`
/// (a copy made for those two only).
fn write_report(
    options: &LinkcheckOptions,
    report: &Report,
    history: &History,
    run: Option<&history::Run>,
    stdout: &mut impl Write,
) -> Result<(), LinkcheckError> {
    let mut bytes = Vec::new();
    match options.format {
        LinkcheckFormat::Text => report.write_text(&mut bytes),
        LinkcheckFormat::Json => serde_json::to_writer_pretty(&mut bytes, report)
            .map_err(std::io::Error::other)
            .and_then(|()| bytes.write_all(b"\n")),
        LinkcheckFormat::Sarif => serde_json::to_writer_pretty(&mut bytes, &formats::sarif(report))
            .map_err(std::io::Error::other)
            .and_then(|()| bytes.write_all(b"\n")),
        LinkcheckFormat::Md | LinkcheckFormat::Html => {
            let charted = run.map(|run| history.with_run(run));
            let history = charted.as_ref().unwrap_or(history);
            let text = if options.format == LinkcheckFormat::Md {
                formats::markdown(report, history)
            } else {
                formats::html(report, history)
            };
            text.map(|t| bytes.extend_from_slice(t.as_bytes()))
                .map_err(std::io::Error::other)
        }
    }
    .map_err(FsError::io("write", "the report"))?;
    match &options.out {
        None => stdout
            .write_all(&bytes)
            .map_err(FsError::io("write", "standard output"))?,
        Some(path) => crate::fsutil::write_atomic(path, &bytes)?,
    }
    Ok(())
}

/// Writes the results as RDF to `path`, atomically.
fn write_rdf(report: &Report, base: &str, path: &std::path::Path) -> Result<(), LinkcheckError> {
    use oxigraph::io::{RdfFormat, RdfSerializer};
    let format = if path.extension().is_some_and(|e| e == "nt") {
        RdfFormat::NTriples
    } else {
        RdfFormat::Turtle
    };
    let io = FsError::io("write", path);
    let mut serializer = RdfSerializer::from_format(format);
    for (prefix, ns) in [
        ("schema", crate::rdf::vocab::schema::NS),
        ("xsd", crate::rdf::vocab::xsd::NS),
        ("lc", crate::rdf::vocab::lc::NS),
    ] {
        serializer = serializer.with_prefix(prefix, ns).expect("valid prefixes");
    }
    let mut out = serializer.for_writer(Vec::new());
    for t in rdf::triples(report, base) {
        if let Err(e) = out.serialize_triple(&t) {
            return Err(io(e).into());
        }
    }
    let bytes = out.finish().map_err(FsError::io("write", path))?;
    Ok(crate::fsutil::write_atomic(path, &bytes)?)
}

/// How a check failed before any server answered, if it did: the name did
/// not resolve, the connection was not made, or it timed out.
fn network_failure(outcome: &Outcome) -> Option<&'static str> {
    if outcome.http_status.is_some() {
        return None;
    }
    let error = outcome.error.as_deref()?.to_ascii_lowercase();
    if outcome.status == Status::Timeout {
        return Some("with a timeout");
    }
    if outcome.status != Status::Broken {
        return None;
    }
    if [
        "cannot resolve",
        "dns error",
        "lookup address",
        "name or service not known",
        "name resolution",
    ]
    .iter()
    .any(|m| error.contains(m))
    {
        Some("to resolve their host name")
    } else if [
        "connection refused",
        "network is unreachable",
        "no route to host",
        "error trying to connect",
        "tcp connect",
    ]
    .iter()
    .any(|m| error.contains(m))
    {
        Some("to connect")
    } else {
        None
    }
}

/// The run's verdict on the network: when at least [`UNREACHABLE_MIN`] URLs
/// were fetched and no server answered any of them, and more than
/// [`UNREACHABLE_SHARE`] of them failed in one way before any answer, the
/// machine is offline (a CI runner without DNS), and calling every site
/// broken would be false.
fn unreachable(fetched: &[Outcome]) -> Option<LinkcheckError> {
    if fetched.len() < UNREACHABLE_MIN || fetched.iter().any(|o| o.http_status.is_some()) {
        return None;
    }
    let mut kinds: std::collections::BTreeMap<&'static str, Vec<&Outcome>> = Default::default();
    for o in fetched {
        if let Some(kind) = network_failure(o) {
            kinds.entry(kind).or_default().push(o);
        }
    }
    let (kind, failed) = kinds.into_iter().max_by_key(|(_, v)| v.len())?;
    if (failed.len() as f64) <= UNREACHABLE_SHARE * fetched.len() as f64 {
        return None;
    }
    Some(LinkcheckError::Unreachable {
        failed: failed.len(),
        checked: fetched.len(),
        kind,
        example: format!(
            "{}: {}",
            failed[0].url,
            failed[0].error.as_deref().unwrap_or_default()
        ),
    })
}

/// Fewer URLs than this fetched say nothing of the network.
const UNREACHABLE_MIN: usize = 3;
/// The share of the fetched URLs that must fail one way.
const UNREACHABLE_SHARE: f64 = 0.8;
