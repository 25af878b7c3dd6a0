//! `orgdir completions` and `orgdir man`, run by the programs that read
//! them: bash and fish complete a command line with the script, zsh parses
//! its script, and man renders the pages.

use std::path::Path;
use std::process::Command;

fn orgdir(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .args(args)
        .output()
        .unwrap()
}

fn script(shell: &str) -> String {
    let out = orgdir(&["completions", shell]);
    assert_eq!(out.status.code(), Some(0), "{shell}");
    String::from_utf8(out.stdout).unwrap()
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs `shell` on `code`, failing the test with its output if it fails.
fn run(shell: &str, args: &[&str], code: &str) -> String {
    let out = Command::new(shell).args(args).arg(code).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{shell}: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

#[test]
fn bash_completes_commands_and_their_options() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("orgdir.bash");
    std::fs::write(&file, script("bash")).unwrap();
    // What bash does on Tab: the completion function for the words so far.
    let complete = |words: &str| {
        run(
            "bash",
            &["-c"],
            &format!(
                "source {}; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
                 COMP_LINE=\"${{COMP_WORDS[*]}}\"; COMP_POINT=${{#COMP_LINE}}; \
                 _orgdir orgdir \"${{COMP_WORDS[-1]}}\" \"${{COMP_WORDS[-2]}}\"; \
                 printf '%s\\n' \"${{COMPREPLY[@]}}\"",
                file.display()
            ),
        )
    };
    let commands = complete("orgdir va");
    assert_eq!(
        commands.lines().collect::<Vec<_>>(),
        ["validate"],
        "{commands}"
    );
    let options = complete("orgdir validate --max");
    assert!(options.lines().any(|l| l == "--max-findings"), "{options}");
    let formats = complete("orgdir validate --format ''");
    for format in ["text", "turtle", "json", "sarif"] {
        assert!(formats.lines().any(|l| l == format), "{formats}");
    }
}

#[test]
fn fish_completes_commands() {
    if !have("fish") {
        eprintln!("skipped: no fish here (.ci/run installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("orgdir.fish");
    std::fs::write(&file, script("fish")).unwrap();
    let out = run(
        "fish",
        &["--no-config", "-c"],
        &format!("source {}; complete -C 'orgdir reco'", file.display()),
    );
    let words: Vec<&str> = out.lines().map(|l| l.split('\t').next().unwrap()).collect();
    assert_eq!(words, ["reconcile"], "{out}");
}

#[test]
fn zsh_reads_its_script_and_every_shell_gets_one() {
    if have("zsh") {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("_orgdir");
        std::fs::write(&file, script("zsh")).unwrap();
        run("zsh", &["-n"], file.to_str().unwrap());
        // Loaded by compinit from $fpath, as a user installs it.
        run(
            "zsh",
            &["-f", "-c"],
            &format!(
                "fpath=({} $fpath); autoload -U compinit; compinit -u; (( $+functions[_orgdir] ))",
                dir.path().display()
            ),
        );
    } else {
        eprintln!("skipped zsh: not installed here (.ci/run installs it)");
    }
    for shell in ["powershell", "elvish"] {
        assert!(script(shell).contains("validate"), "{shell}");
    }
    let out = orgdir(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn man_renders_a_page_for_orgdir_and_each_command() {
    let page = orgdir(&["man"]);
    assert_eq!(page.status.code(), Some(0));
    let roff = String::from_utf8(page.stdout).unwrap();
    assert!(
        roff.starts_with(".ie") || roff.contains(".TH orgdir 1"),
        "{roff}"
    );

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man1");
    let written = orgdir(&["man", "--out", out.to_str().unwrap()]);
    assert_eq!(written.status.code(), Some(0));
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for expected in [
        "orgdir.1",
        "orgdir-build.1",
        "orgdir-validate.1",
        "orgdir-serve.1",
        "orgdir-completions.1",
    ] {
        assert!(names.iter().any(|n| n == expected), "{names:?}");
    }
    assert!(!names.iter().any(|n| n == "orgdir-help.1"), "{names:?}");
    if !have("man") {
        return;
    }
    // man renders it as a reader sees it.
    let render = |page: &Path| {
        let out = Command::new("man")
            .env("MANWIDTH", "100")
            .env("MAN_KEEP_FORMATTING", "0")
            .args(["-P", "cat", "-l"])
            .arg(page)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Bold and underline as a terminal gets them (`c\x08c`), taken out.
        let mut text = String::new();
        for c in String::from_utf8_lossy(&out.stdout).chars() {
            if c == '\u{8}' {
                text.pop();
            } else {
                text.push(c);
            }
        }
        text
    };
    let text = render(&out.join("orgdir-validate.1"));
    assert!(text.contains("--max-findings"), "{text}");
    assert!(text.contains("sarif"), "{text}");
    let text = render(&out.join("orgdir.1"));
    assert!(text.contains("completions"), "{text}");
}
