//! Nothing the maintainer has is lost: builds killed at any moment, odd
//! files in the data directory, files written in place of others, and inputs
//! that once made the loader panic.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use orgdir::synth::{self, SynthOptions};
use sha2::{Digest, Sha256};

fn orgdir(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_orgdir"));
    c.args(args)
        .env("ORGDIR_CACHE_DIR", "")
        .stdin(Stdio::null());
    c
}

fn run(c: &mut Command) -> Output {
    c.output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn generated(dir: &Path, records: usize, seed: u64) {
    let _ = fs::remove_dir_all(dir);
    synth::write(
        dir,
        &SynthOptions {
            records,
            seed,
            per_file: 500,
            ..SynthOptions::default()
        },
    )
    .unwrap();
}

/// OUT checked as `sha256sum -c SHA256SUMS` would, and its N-Triples' hash
/// (which build it is).
fn complete(out: &Path) -> Result<String, String> {
    let sums =
        fs::read_to_string(out.join("SHA256SUMS")).map_err(|e| format!("SHA256SUMS: {e}"))?;
    let mut listed = BTreeMap::new();
    for line in sums.lines() {
        let (sum, name) = line.split_once("  ").ok_or(format!("bad line {line}"))?;
        let bytes = fs::read(out.join(name)).map_err(|e| format!("{name}: {e}"))?;
        let actual = orgdir::rdf::dump::hex(&Sha256::digest(&bytes));
        if actual != sum {
            return Err(format!("{name}: FAILED"));
        }
        listed.insert(name.to_owned(), actual);
    }
    listed
        .remove("orgs.nt")
        .ok_or_else(|| "orgs.nt is not listed".into())
}

/// What is beside OUT other than OUT and its lock.
fn leftovers(parent: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "dist" && n != "data")
        .collect();
    names.sort();
    names
}

#[test]
fn a_build_killed_at_any_moment_leaves_the_old_or_the_new_output_whole() {
    let work = tempfile::tempdir().unwrap();
    let (data, out) = (work.path().join("data"), work.path().join("dist"));
    let build = |extra: &[(&str, &str)]| {
        let mut c = orgdir(&["-q", "--data", data.to_str().unwrap(), "build", "--out"]);
        c.arg(&out);
        for (k, v) in extra {
            c.env(k, v);
        }
        c
    };
    generated(&data, 3000, 1);
    assert!(run(&mut build(&[])).status.success());
    let old = complete(&out).unwrap();
    generated(&data, 3000, 2);

    // At each named step: the process kills itself there.
    for point in ["before-replace", "after-exchange"] {
        let o = run(&mut build(&[("ORGDIR_CRASH_AT", point)]));
        assert_eq!(o.status.code(), None, "{point}: not killed: {}", stderr(&o));
        let now = complete(&out).unwrap_or_else(|e| panic!("{point}: {e}"));
        assert!(now == old || point == "after-exchange", "{point}");
    }
    // And at random moments, as kill -9 would.
    let started = Instant::now();
    assert!(run(&mut build(&[])).status.success());
    let took = started.elapsed();
    let new = complete(&out).unwrap();
    assert_ne!(new, old);
    generated(&data, 3000, 1);
    let mut seen = BTreeMap::new();
    for i in 0..12u32 {
        let mut child = build(&[]).spawn().unwrap();
        std::thread::sleep(took.mul_f64(f64::from(i) / 10.0));
        let _ = child.kill();
        let _ = child.wait();
        let now = complete(&out).unwrap_or_else(|e| panic!("kill {i}: {e}"));
        assert!(now == old || now == new, "kill {i}: neither state");
        *seen.entry(now == old).or_insert(0) += 1;
    }
    // The next run succeeds and leaves nothing behind.
    let o = run(&mut build(&[]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(complete(&out).unwrap(), old);
    assert_eq!(leftovers(work.path()), Vec::<String>::new());
    assert!(seen.len() <= 2);
}

#[test]
fn an_output_left_missing_between_two_renames_is_put_back() {
    let work = tempfile::tempdir().unwrap();
    let (data, out) = (work.path().join("data"), work.path().join("dist"));
    generated(&data, 50, 1);
    let mut build = orgdir(&["-q", "--data", data.to_str().unwrap(), "build", "--out"]);
    build.arg(&out);
    assert!(run(&mut build).status.success());
    let old = complete(&out).unwrap();
    // What a kill between the two renames (where the file system cannot swap
    // directories) leaves: OUT moved aside, the new one still staged.
    let aside = work.path().join(".dist.building-AbC123.old");
    fs::write(out.join(".orgdir-staging"), "").unwrap();
    fs::rename(&out, &aside).unwrap();
    let staged = work.path().join(".dist.building-AbC123");
    fs::create_dir(&staged).unwrap();
    fs::write(staged.join(".orgdir-staging"), "").unwrap();
    fs::write(staged.join("orgs.nt"), "half").unwrap();
    // A directory that only looks like one is not touched.
    let foreign = work.path().join(".dist.building-mine");
    fs::create_dir(&foreign).unwrap();

    let mut validate = orgdir(&["--data", data.to_str().unwrap(), "validate"]);
    assert!(run(&mut validate).status.success());
    let o = run(&mut build);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(complete(&out).unwrap(), old);
    assert_eq!(
        leftovers(work.path()),
        vec![".dist.building-mine".to_owned()]
    );
}

#[test]
fn a_release_killed_at_any_moment_keeps_latest_whole() {
    let work = tempfile::tempdir().unwrap();
    let (data, out) = (work.path().join("data"), work.path().join("releases"));
    generated(&data, 1000, 1);
    let release = |version: &str, crash: Option<&str>| {
        let mut c = orgdir(&[
            "-q",
            "--data",
            data.to_str().unwrap(),
            "build",
            "--release",
            version,
            "--release-date",
            "2026-01-01",
            "--out",
        ]);
        c.arg(&out);
        if let Some(point) = crash {
            c.env("ORGDIR_CRASH_AT", point);
        }
        run(&mut c)
    };
    assert!(release("1.0.0", None).status.success());
    // Killed before its directory is in place, then before `latest` points
    // at it: `latest` is whole each time, and the next run finishes the job.
    generated(&data, 1000, 2);
    for point in ["before-replace", "before-latest"] {
        let o = release("1.1.0", Some(point));
        assert_eq!(o.status.code(), None, "{point}: {}", stderr(&o));
        let latest = fs::canonicalize(out.join("latest")).unwrap();
        assert!(latest.ends_with("1.0.0"), "{point}");
        complete(&latest).unwrap_or_else(|e| panic!("{point}: {e}"));
    }
    let o = release("1.1.0", None);
    assert!(o.status.success(), "{}", stderr(&o));
    complete(&out.join("1.1.0")).unwrap();
    assert!(fs::read_link(out.join("latest")).unwrap() == Path::new("1.1.0"));
    let index = fs::read_to_string(out.join("releases.json")).unwrap();
    assert!(index.contains("\"1.1.0\""), "{index}");
    // Made again once published: refused, as always.
    assert_eq!(release("1.1.0", None).status.code(), Some(2));
    let left: Vec<_> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("building"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_second_build_of_one_output_waits_or_fails_with_no_wait() {
    let work = tempfile::tempdir().unwrap();
    let (data, out) = (work.path().join("data"), work.path().join("dist"));
    generated(&data, 50, 1);
    // Hold OUT's lock as a running build would.
    let lock = fs::File::create(work.path().join(".dist.lock")).unwrap();
    lock.lock().unwrap();
    let mut c = orgdir(&[
        "--data",
        data.to_str().unwrap(),
        "--no-wait",
        "build",
        "--out",
    ]);
    c.arg(&out);
    let o = run(&mut c);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("another orgdir run is writing"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
    // Without --no-wait it says so and waits for the lock.
    let mut c = orgdir(&["--data", data.to_str().unwrap(), "build", "--out"]);
    c.arg(&out).stderr(Stdio::piped());
    let child = c.spawn().unwrap();
    std::thread::sleep(Duration::from_millis(700));
    assert!(!out.exists(), "built while the lock was held");
    drop(lock);
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("waiting for another orgdir run"),
        "{}",
        stderr(&o)
    );
    complete(&out).unwrap();
}

fn small_data(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    generated(&data, 20, 1);
    data
}

fn validate(data: &Path, cache: Option<&Path>) -> Output {
    let mut c = orgdir(&["--data", data.to_str().unwrap(), "validate"]);
    if let Some(cache) = cache {
        c.env("ORGDIR_CACHE_DIR", cache);
    }
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("validate hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
#[test]
fn odd_files_are_refused_at_their_path_and_never_read() {
    use std::os::unix::fs::symlink;
    let work = tempfile::tempdir().unwrap();
    let data = small_data(work.path());
    let cache = work.path().join("cache");
    let mkfifo = |p: &Path| {
        let c = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
        // SAFETY: a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    };
    // Not YAML: never opened, by the loader or the verdict cache (a FIFO
    // would hang either).
    mkfifo(&data.join("scan.pdf"));
    fs::create_dir(work.path().join("elsewhere")).unwrap();
    symlink(work.path().join("elsewhere"), data.join("source")).unwrap();
    let o = validate(&data, Some(&cache));
    assert!(o.status.success(), "{}", stderr(&o));
    let o = validate(&data, Some(&cache));
    assert!(o.status.success(), "remembered: {}", stderr(&o));

    // YAML-named: refused at their path.
    mkfifo(&data.join("pipe.yaml"));
    symlink("/dev/zero", data.join("zero.yaml")).unwrap();
    let o = validate(&data, Some(&cache));
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("pipe.yaml: is a named pipe (FIFO): only regular files are read"),
        "{err}"
    );
    assert!(
        err.contains("zero.yaml: is a device: only regular files are read"),
        "{err}"
    );
    fs::remove_file(data.join("pipe.yaml")).unwrap();
    fs::remove_file(data.join("zero.yaml")).unwrap();

    // Another case: a warning, not silence.
    fs::write(data.join("R.YAML"), "- id: r\n").unwrap();
    let o = validate(&data, None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("R.YAML: not read"), "{}", stderr(&o));

    // dataset.yaml as a FIFO: refused once.
    fs::remove_file(data.join("dataset.yaml")).unwrap();
    mkfifo(&data.join("dataset.yaml"));
    let o = validate(&data, None);
    assert_eq!(o.status.code(), Some(2));
    let refusals = stderr(&o).matches("dataset.yaml: is a named pipe").count();
    assert_eq!(refusals, 1, "{}", stderr(&o));
}

#[test]
fn names_and_long_lines_are_shown_safely() {
    let work = tempfile::tempdir().unwrap();
    let data = small_data(work.path());
    fs::write(data.join("evil\u{1b}[2J.yaml"), "- id: [\n").unwrap();
    let long = format!("- id: x\n  name: \"{}\n", "y".repeat(5 << 20));
    fs::write(data.join("long.yaml"), long).unwrap();
    let o = validate(&data, None);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(!err.contains('\u{1b}'), "an escape code printed raw");
    assert!(err.contains("evil\\u{1b}[2J.yaml"), "{err}");
    assert!(
        err.len() < 20_000,
        "{} bytes of errors for a 5 MB line",
        err.len()
    );
}

#[cfg(unix)]
#[test]
fn written_files_keep_their_mode_and_links() {
    use orgdir::fsutil::write_atomic;
    use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("history.jsonl");
    fs::write(&file, "old\n").unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o664)).unwrap();
    write_atomic(&file, b"new\n").unwrap();
    assert_eq!(fs::metadata(&file).unwrap().mode() & 0o7777, 0o664);
    assert_eq!(fs::read_to_string(&file).unwrap(), "new\n");

    // Through a symlink: the target is updated, the link stays a link.
    let link = work.path().join("link.jsonl");
    symlink("history.jsonl", &link).unwrap();
    write_atomic(&link, b"through\n").unwrap();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read_to_string(&file).unwrap(), "through\n");

    // Its owner too, where this user may set it (root: the CI machine).
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        std::os::unix::fs::chown(&file, Some(65534), Some(65534)).unwrap();
        write_atomic(&file, b"owned\n").unwrap();
        let meta = fs::metadata(&file).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (65534, 65534));
        assert_eq!(meta.mode() & 0o7777, 0o664);
    }

    // A hard-linked file is refused, and left as it was.
    let twin = work.path().join("twin.jsonl");
    fs::hard_link(&file, &twin).unwrap();
    let e = write_atomic(&file, b"cut\n").unwrap_err().to_string();
    assert!(e.contains("2 hard links"), "{e}");
    assert_eq!(
        fs::read_to_string(&twin).unwrap(),
        fs::read_to_string(&file).unwrap()
    );

    // A new file gets the umask's mode, like the dumps (not 0600).
    let umask = orgdir::fsutil::atomic::umask();
    let fresh = work.path().join("report.html");
    write_atomic(&fresh, b"x").unwrap();
    assert_eq!(fs::metadata(&fresh).unwrap().mode() & 0o777, 0o666 & !umask);
    assert_ne!(fs::metadata(&fresh).unwrap().mode() & 0o777, 0o600);
}

mod fuzz {
    //! The loader on mutated copies of the fixtures: any input gives a
    //! result or located diagnostics, never a panic.
    use proptest::prelude::*;
    use std::path::Path;

    fn seeds() -> Vec<(String, String)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut out = Vec::new();
        for dir in [
            "valid/data",
            "invalid/bad-date/data",
            "invalid/dataset-errors/data",
        ] {
            for f in orgdir::fsutil::files(&root.join(dir)).unwrap() {
                if let Ok(text) = std::fs::read_to_string(&f) {
                    out.push((f.file_name().unwrap().to_string_lossy().into_owned(), text));
                }
            }
        }
        out
    }

    #[derive(Debug, Clone)]
    enum Edit {
        Insert(usize, char),
        Delete(usize),
        Replace(usize, char),
    }

    fn edit() -> impl Strategy<Value = Edit> {
        let c = prop_oneof![
            any::<char>(),
            prop::sample::select(vec![
                'é', '-', ':', ' ', '\n', '"', '\'', '[', '{', '&', '*', '0', '9', '#', '\t'
            ])
        ];
        prop_oneof![
            (any::<usize>(), c.clone()).prop_map(|(i, c)| Edit::Insert(i, c)),
            any::<usize>().prop_map(Edit::Delete),
            (any::<usize>(), c).prop_map(|(i, c)| Edit::Replace(i, c)),
        ]
    }

    fn apply(text: &str, edits: &[Edit]) -> String {
        let mut chars: Vec<char> = text.chars().collect();
        for e in edits {
            let n = chars.len().max(1);
            match *e {
                Edit::Insert(i, c) => chars.insert(i % (chars.len() + 1), c),
                Edit::Delete(i) if !chars.is_empty() => {
                    chars.remove(i % n);
                }
                Edit::Replace(i, c) if !chars.is_empty() => chars[i % n] = c,
                _ => {}
            }
        }
        chars.into_iter().collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn the_loader_never_panics(which in any::<prop::sample::Index>(), edits in prop::collection::vec(edit(), 1..12)) {
            let seeds = seeds();
            let dir = tempfile::tempdir().unwrap();
            for (name, text) in &seeds {
                std::fs::write(dir.path().join(name), text).unwrap();
            }
            let (name, text) = &seeds[which.index(seeds.len())];
            std::fs::write(dir.path().join(name), apply(text, &edits)).unwrap();
            let loaded = std::panic::catch_unwind(|| {
                let _ = orgdir::source::load(dir.path(), orgdir::source::Limits::default());
            });
            prop_assert!(loaded.is_ok(), "the loader panicked on {name} edited by {edits:?}");
            // Dates by themselves, as --release-date and release.json read them.
            for word in apply(text, &edits).split_whitespace() {
                let _ = orgdir::source::parse_date(word.trim_matches('"'));
            }
        }
    }
}

#[cfg(unix)]
#[test]
fn an_unreadable_subdirectory_is_named() {
    use std::os::unix::fs::PermissionsExt;
    let work = tempfile::tempdir().unwrap();
    let data = small_data(work.path());
    let locked = data.join("regional");
    fs::create_dir(&locked).unwrap();
    fs::write(locked.join("more.yaml"), "- id: more\n").unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    for dir in [work.path(), &data] {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).unwrap();
    }
    // Root reads any directory: run as nobody then (setpriv, util-linux).
    // SAFETY: geteuid has no preconditions.
    let mut c = if unsafe { libc::geteuid() } == 0 {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_orgdir"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_orgdir"))
    };
    c.arg("--data")
        .arg(&data)
        .arg("validate")
        .env("ORGDIR_CACHE_DIR", "");
    let o = run(&mut c);
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("regional: cannot read the directory"), "{err}");
    assert!(err.contains("Permission denied"), "{err}");
}
