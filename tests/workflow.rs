//! The maintainer's CI as shipped: `.github/workflows/orgdir.yml` and
//! `.pre-commit-hooks.yaml`, checked by what reads them (check-jsonschema's
//! GitHub workflow schema, `pre-commit validate-manifest`), and their orgdir
//! commands run as written on the bundled data and on a typo.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn succeeds(command: &mut Command) -> String {
    let out = command.output().expect("the program runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{command:?}: {text}");
    text
}

/// The `run:` lines of the workflow's `job` (or, with `job` empty, the
/// pre-commit hooks' entries), read with PyYAML as YAML, not by pattern.
fn commands(job: &str) -> Vec<String> {
    let script = if job.is_empty() {
        "import yaml,sys,json; print(json.dumps([h['entry'] for h in yaml.safe_load(open(sys.argv[1]))]))"
            .to_owned()
    } else {
        format!(
            "import yaml,sys,json; w=yaml.safe_load(open(sys.argv[1])); \
             print(json.dumps([s['run'] for s in w['jobs']['{job}']['steps'] if 'run' in s]))"
        )
    };
    let file = if job.is_empty() {
        root().join(".pre-commit-hooks.yaml")
    } else {
        root().join(".github/workflows/orgdir.yml")
    };
    let out = succeeds(Command::new("python3").args(["-c", &script]).arg(file));
    serde_json::from_str(out.trim()).unwrap()
}

/// A directory with copies of data/ and shapes/, as a checkout has them.
fn checkout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["data", "shapes"] {
        succeeds(
            Command::new("cp")
                .arg("-r")
                .arg(root().join(sub))
                .arg(dir.path()),
        );
    }
    dir
}

/// Runs `line` with bash in `dir`, the orgdir under test first on PATH.
fn run_step(dir: &Path, line: &str) -> (Option<i32>, String) {
    let bin: PathBuf = Path::new(env!("CARGO_BIN_EXE_orgdir"))
        .parent()
        .unwrap()
        .to_owned();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .args(["-e", "-c", line])
        .current_dir(dir)
        .env("PATH", path)
        .output()
        .unwrap();
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
#[ignore = "needs check-jsonschema and pre-commit (PyPI), which .ci/run installs"]
fn github_and_pre_commit_accept_the_files() {
    succeeds(
        Command::new("check-jsonschema")
            .args(["--builtin-schema", "vendor.github-workflows"])
            .arg(root().join(".github/workflows/orgdir.yml")),
    );
    succeeds(
        Command::new("pre-commit")
            .arg("validate-manifest")
            .arg(root().join(".pre-commit-hooks.yaml")),
    );
}

#[test]
#[ignore = "needs python3 with PyYAML (pre-commit brings it), which .ci/run installs"]
fn the_workflow_and_the_hook_run_as_written() {
    let validate: Vec<String> = commands("validate")
        .into_iter()
        .filter(|c| c.starts_with("orgdir "))
        .collect();
    assert_eq!(validate.len(), 2, "{validate:?}");
    let hooks = commands("");
    assert_eq!(hooks.len(), 1);

    // The bundled data: every step passes, the log has no result.
    let dir = checkout();
    for line in validate.iter().chain(&hooks) {
        let (code, out) = run_step(dir.path(), line);
        assert_eq!(code, Some(0), "{line}: {out}");
    }
    let log: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("orgdir.sarif")).unwrap()).unwrap();
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 0);

    // A typo in a record: the SARIF step fails, and its log, which the
    // workflow uploads whatever the step said, points at the line.
    let file = dir.path().join("data/national.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let typo = text.replacen("  name:", "  nmae:", 1);
    assert_ne!(typo, text);
    std::fs::write(&file, typo).unwrap();
    let (code, out) = run_step(dir.path(), &validate[0]);
    assert_eq!(code, Some(2), "{out}");
    let log: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("orgdir.sarif")).unwrap()).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let typo = results
        .iter()
        .find(|r| r["message"]["text"].as_str().unwrap().contains("`nmae`"))
        .unwrap_or_else(|| panic!("{results:?}"));
    let region = &typo["locations"][0]["physicalLocation"]["region"];
    // The first `  name:`, the one misspelt.
    let line = text.lines().position(|l| l.starts_with("  name:")).unwrap() + 1;
    assert_eq!(region["startLine"].as_u64(), Some(line as u64), "{typo}");
    let (code, _) = run_step(dir.path(), &hooks[0]);
    assert_eq!(code, Some(2));
}
