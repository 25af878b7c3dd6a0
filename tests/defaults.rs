//! `orgdir.toml` for `orgdir serve`: the file's options are defaults the
//! command line overrides, read through clap like the command line's
//! (tests/linkcheck.rs runs the same for linkcheck through the binary).

use std::ffi::OsString;
use std::path::Path;

use orgdir::cli::Command;
use orgdir::defaults;

fn serve_addr(config: &Path, extra: &[&str]) -> String {
    let mut args: Vec<OsString> = vec![
        "orgdir".into(),
        "--config".into(),
        config.into(),
        "serve".into(),
    ];
    args.extend(extra.iter().map(OsString::from));
    let (cli, _) = defaults::parse(args).unwrap();
    match cli.command {
        Command::Serve { addr, .. } => addr.to_string(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn serve_takes_its_defaults_from_the_file_and_the_command_line_wins() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("orgdir.toml");
    std::fs::write(&file, "[serve]\naddr = \"127.0.0.1:9999\"\n").unwrap();
    assert_eq!(serve_addr(&file, &[]), "127.0.0.1:9999");
    assert_eq!(
        serve_addr(&file, &["--addr", "127.0.0.1:8080"]),
        "127.0.0.1:8080"
    );
    assert_eq!(
        serve_addr(&file, &["--addr=127.0.0.1:8081"]),
        "127.0.0.1:8081"
    );
    // A file without [serve]: orgdir's default.
    std::fs::write(&file, "[linkcheck]\ntimeout = 5\n").unwrap();
    assert_eq!(serve_addr(&file, &[]), "127.0.0.1:7878");
    // The options taken from the file are named, for the log.
    std::fs::write(
        &file,
        "[serve]\naddr = \"127.0.0.1:9999\"\ncache-size = 16\n",
    )
    .unwrap();
    let args: Vec<OsString> = [
        "orgdir",
        "--config",
        file.to_str().unwrap(),
        "serve",
        "--addr",
        "127.0.0.1:1",
    ]
    .iter()
    .map(OsString::from)
    .collect();
    let (_, taken) = defaults::parse(args).unwrap();
    assert_eq!(taken, ["cache-size"]);
}

#[test]
fn a_bad_file_is_reported_at_its_lines_and_nothing_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("orgdir.toml");
    let parse = |text: &str| {
        std::fs::write(&file, text).unwrap();
        let args: Vec<OsString> = ["orgdir", "--config", file.to_str().unwrap(), "serve"]
            .iter()
            .map(OsString::from)
            .collect();
        let e = defaults::parse(args).unwrap_err();
        e.problems
            .diagnostics
            .iter()
            .map(|d| {
                let pos = d
                    .pos
                    .map(|p| format!("{}:{}", p.line, p.col))
                    .unwrap_or_default();
                format!("{pos} {}", d.message)
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        parse("[serve]\naddr = \"everywhere\"\n"),
        [
            "2:8 `addr`: invalid value 'everywhere' for '--addr <ADDR>': invalid socket address syntax"
        ]
    );
    assert_eq!(
        parse("[serve]\n  adr = \"127.0.0.1:1\"\n"),
        ["2:3 `adr` is not an option of `orgdir serve`: did you mean `addr`?"]
    );
    assert_eq!(
        parse("[build]\nout = \"x\"\n"),
        ["1:1 [build]: orgdir.toml holds defaults for [linkcheck] and [serve] only"]
    );
    let syntax = parse("[serve\n");
    assert!(
        syntax[0].starts_with("1:") && syntax[0].contains("not an orgdir.toml"),
        "{syntax:?}"
    );
    // Global options are not set from the file.
    assert_eq!(
        parse("[serve]\ndata = \"elsewhere\"\n"),
        ["2:1 `data` is not an option of `orgdir serve`: see `orgdir serve --help`"]
    );
    // Every section is checked, whichever command runs.
    std::fs::write(&file, "[serve]\nadr = \"127.0.0.1:1\"\n").unwrap();
    let args: Vec<OsString> = ["orgdir", "--config", file.to_str().unwrap(), "linkcheck"]
        .iter()
        .map(OsString::from)
        .collect();
    let e = defaults::parse(args).unwrap_err();
    assert!(
        e.problems.diagnostics[0]
            .message
            .contains("did you mean `addr`"),
        "{e:?}"
    );
    // A missing --config file is an error, not a silent default.
    let missing = dir.path().join("missing.toml");
    let args: Vec<OsString> = ["orgdir", "--config", missing.to_str().unwrap(), "serve"]
        .iter()
        .map(OsString::from)
        .collect();
    let e = defaults::parse(args).unwrap_err();
    assert!(
        e.problems.diagnostics[0].message.contains("cannot read it"),
        "{e:?}"
    );
}
