//! What `build`, `validate`, `build --release` and `reconcile` show while
//! they run: plain lines in a log (stderr not a terminal), a spinner on a
//! terminal (a pseudo-terminal from util-linux `script`), nothing with -q.
//! A few thousand synthetic records make each step last longer than the
//! lines' cadence, set small by ORGDIR_PROGRESS_EVERY_MS.

use std::path::Path;
use std::process::{Command, Output};

fn synth(dir: &Path) {
    orgdir::synth::write(
        dir,
        &orgdir::synth::SynthOptions {
            records: 4000,
            per_file: 1000,
            ..Default::default()
        },
    )
    .unwrap();
}

/// The stderr of a run that must succeed, with lines every 5 ms.
fn logged(cwd: &Path, args: &[&str]) -> String {
    let out = orgdir(cwd, args, Some("5"));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    stderr
}

fn orgdir(cwd: &Path, args: &[&str], every_ms: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_orgdir"));
    command.current_dir(cwd).args(args);
    command.env_remove("ORGDIR_PROGRESS_EVERY_MS");
    if let Some(ms) = every_ms {
        command.env("ORGDIR_PROGRESS_EVERY_MS", ms);
    }
    command.output().unwrap()
}

/// The progress lines of `stderr` for `command`, each `orgdir CMD: STEP (N s)`.
fn lines<'a>(stderr: &'a str, command: &str) -> Vec<&'a str> {
    let prefix = format!("orgdir {command}: ");
    stderr
        .lines()
        .filter(|l| l.starts_with(&prefix))
        .inspect(|l| assert!(l.ends_with(" s)"), "{l}"))
        .collect()
}

#[test]
fn long_commands_print_their_steps_in_a_log_and_nothing_with_q() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    synth(&data);
    let d = data.to_str().unwrap();

    let stderr = logged(tmp.path(), &["--data", d, "build", "--out", "dist"]);
    let steps = lines(&stderr, "build");
    assert!(steps.iter().any(|l| l.contains("loading")), "{stderr}");
    assert!(
        steps
            .iter()
            .any(|l| l.contains("validating against the shapes")),
        "{stderr}"
    );
    // Before the summary, never after it.
    let summary = stderr.find("built dist").unwrap();
    assert!(
        stderr.rfind("orgdir build: ").unwrap() < summary,
        "{stderr}"
    );

    let release = [
        "--data",
        d,
        "build",
        "--out",
        "releases",
        "--release",
        "1.0.0",
    ];
    let stderr = logged(tmp.path(), &release);
    assert!(
        lines(&stderr, "build")
            .iter()
            .any(|l| l.contains("writing release 1.0.0")),
        "{stderr}"
    );

    let out = orgdir(tmp.path(), &["--data", d, "validate"], Some("5"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        lines(&stderr, "validate")
            .iter()
            .any(|l| l.contains("validating 4000 organizations")),
        "{stderr}"
    );
    // The report is on stdout, untouched by the progress.
    assert!(!String::from_utf8_lossy(&out.stdout).contains("orgdir validate:"));

    std::fs::write(tmp.path().join("names.csv"), {
        let mut csv = String::from("name\n");
        for i in 0..3000 {
            csv.push_str(&format!("Organization {i}\n"));
        }
        csv
    })
    .unwrap();
    let reconcile = [
        "--data",
        d,
        "reconcile",
        "names.csv",
        "--column",
        "name",
        "--out",
        "out.csv",
    ];
    let stderr = logged(tmp.path(), &reconcile);
    let steps = lines(&stderr, "reconcile");
    assert!(
        steps.iter().any(|l| l.contains("loading and indexing")),
        "{stderr}"
    );
    assert!(
        steps
            .iter()
            .any(|l| l.contains("rows matched ") && l.contains("/3000")),
        "{stderr}"
    );

    // -q: nothing but errors, whatever the cadence.
    for args in [
        &["--data", d, "build", "--out", "dist"][..],
        &["--data", d, "validate"],
        &reconcile,
        // A new version: a release is never rewritten.
        &[
            "--data",
            d,
            "build",
            "--out",
            "releases",
            "--release",
            "1.0.1",
        ],
    ] {
        let quiet: Vec<&str> = std::iter::once("-q").chain(args.iter().copied()).collect();
        let out = orgdir(tmp.path(), &quiet, Some("5"));
        assert!(out.status.success(), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{args:?}");
    }
    // A short run in a log prints no step at all (the first line waits 2 s).
    let out = orgdir(
        tmp.path(),
        &[
            "--data",
            root().join("data").to_str().unwrap(),
            "build",
            "--out",
            "small",
        ],
        None,
    );
    assert!(lines(&String::from_utf8_lossy(&out.stderr), "build").is_empty());
}

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_terminal_gets_a_spinner_that_is_cleared_before_the_result() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` (util-linux) for a pseudo-terminal");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    synth(&data);
    let line = format!(
        "{} --data {} validate --format json > report.json",
        env!("CARGO_BIN_EXE_orgdir"),
        data.display()
    );
    let out = Command::new("script")
        .current_dir(tmp.path())
        .env_remove("ORGDIR_PROGRESS_EVERY_MS")
        .args(["-qfec", &line, "/dev/null"])
        .output()
        .unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    // The load of 4,000 records can end before the spinner's first frame
    // (seen here: every frame was the validation's), so only the step that
    // takes longer is required.
    assert!(
        screen.contains("orgdir validate: validating 4000 organizations"),
        "{screen}"
    );
    // indicatif clears its line at the end (erase-line, then nothing after).
    let last = screen.rfind("orgdir validate:").unwrap();
    assert!(
        screen[last..].contains("\u{1b}[2K"),
        "{:?}",
        &screen[last..]
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("report.json")).unwrap()).unwrap();
    assert!(report.is_object());
}
