//! README.md kept honest: its tables and examples match what orgdir does.

use std::path::Path;
use std::process::Command;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

#[test]
fn the_mapping_table_lists_every_record_key() {
    let readme = readme();
    for key in orgdir::source::ORGANIZATION_KEYS {
        assert!(
            readme.contains(&format!("| `{key}` |")),
            "README does not document `{key}`"
        );
    }
}

#[test]
fn the_diagnostic_example_is_what_orgdir_prints() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid/unknown-key");
    let output = Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .current_dir(&case)
        .args(["build", "--out"])
        .arg(std::env::temp_dir().join("orgdir-readme-never-written"))
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    let first: String = stderr.lines().take(4).map(|l| format!("{l}\n")).collect();
    assert!(
        readme().contains(&format!("```\n{first}```")),
        "README example is stale:\n{first}"
    );
}

#[test]
fn the_newcomer_commands_come_first_and_ci_runs_the_test_command() {
    let readme = readme();
    let serve = readme
        .find("cargo run --release -- serve ")
        .expect("serve command");
    let test = readme.find("cargo test ").expect("test command");
    assert!(
        serve < 1500 && test < 1500,
        "the two commands must be near the top"
    );
    let ci =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/run")).unwrap();
    assert!(
        ci.lines().any(|l| l.trim() == "cargo test"),
        ".ci/run must run `cargo test`"
    );

    // Every option of every subcommand, as its real --help lists it.
    for command in [
        "build",
        "validate",
        "serve",
        "query",
        "linkcheck",
        "publish",
    ] {
        let options = options_of(command);
        assert!(options.len() >= 3, "{command} --help lists {options:?}");
        for option in options {
            assert!(
                readme.contains(&option),
                "{option} of {command} --help missing from README"
            );
        }
    }
}

/// The long options (and `-q`, `-v`) that `orgdir COMMAND --help` lists.
fn options_of(command: &str) -> Vec<String> {
    let help = Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .args([command, "--help"])
        .output()
        .unwrap();
    assert!(help.status.success(), "{command} --help");
    let help = String::from_utf8(help.stdout).unwrap();
    let mut options = Vec::new();
    for line in help.lines() {
        // `  -q, --quiet  Print nothing...`: the options before the text.
        if !line.starts_with("  -") {
            continue;
        }
        let line = line.trim_start();
        let spec = line.split("  ").next().unwrap_or_default();
        for word in spec.split([' ', ',', '=']) {
            let option = word.trim_end_matches(['>', ']', '.']);
            let is_flag =
                option.starts_with("--") && option.len() > 2 || option == "-q" || option == "-v";
            if is_flag
                && option != "--help"
                && option != "--version"
                && !options.contains(&option.to_owned())
            {
                options.push(option.to_owned());
            }
        }
    }
    options
}

#[test]
fn the_validation_example_is_what_orgdir_prints() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .current_dir(root.join("tests/fixtures/invalid/shacl/parent-unknown"))
        .arg("--shapes")
        .arg(root.join("shapes"))
        .arg("validate")
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let first: String = stdout.lines().take(5).map(|l| format!("{l}\n")).collect();
    assert!(
        readme().contains(&format!("```\n{first}```")),
        "README example is stale:\n{first}"
    );
}

fn flags(args: &[&str]) -> Vec<String> {
    let help = Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .args(args)
        .arg("--help")
        .output()
        .unwrap();
    let mut flags: Vec<String> = String::from_utf8(help.stdout)
        .unwrap()
        .split_whitespace()
        .filter(|w| w.starts_with("--") && w.len() > 3)
        .map(|w| w.trim_end_matches([',', '.', ')', ':', ';']).to_owned())
        .collect();
    flags.sort();
    flags.dedup();
    flags
}

#[test]
fn every_serve_option_is_in_the_readme() {
    let readme = readme();
    let global = flags(&[]);
    let serve = flags(&["serve"]);
    assert!(serve.len() > 20, "{serve:?}");
    for flag in &serve {
        if global.contains(flag) || flag == "--help" {
            continue;
        }
        let bare = flag.split('=').next().unwrap();
        assert!(readme.contains(bare), "README does not mention `{bare}`");
    }
}
