//! `orgdir serve --store DIR`: the RocksDB store is built once and reused
//! while the data is unchanged. Needs `--features rocksdb`; `.ci/run` runs it.
#![cfg(feature = "rocksdb")]

use std::path::Path;

use orgdir::commands::serve::open_or_build;
use orgdir::source::Limits;
use orgdir::store;
use orgdir::validate::ShapesSource;

fn copy_fixture(to: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid/data");
    std::fs::create_dir_all(to.join("more")).unwrap();
    for f in ["dataset.yaml", "orgs.yaml", "more/regional.yml"] {
        std::fs::copy(from.join(f), to.join(f)).unwrap();
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn count(s: &store::Snapshot) -> usize {
    s.store.len().unwrap()
}

/// The dumps kept in the store directory: ready at once, with gzip copies.
fn dumps_ready(s: &store::Snapshot, dir: &Path) -> Vec<(String, u64)> {
    let dumps = s
        .dumps
        .get()
        .expect("written with the store")
        .as_ref()
        .unwrap();
    dumps
        .files
        .iter()
        .map(|f| {
            assert!(
                f.path.starts_with(dir.join("dumps")),
                "{}",
                f.path.display()
            );
            assert!(f.gzip.is_some(), "{} has a gzip copy", f.name);
            assert_eq!(std::fs::metadata(&f.path).unwrap().len(), f.len);
            (f.name.to_owned(), f.len)
        })
        .collect()
}

#[test]
fn built_once_reused_while_unchanged_rebuilt_on_change() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_fixture(&data);
    let dir = tmp.path().join("store");

    let (first, reused) = open_or_build(
        &dir,
        &data,
        Limits::default(),
        &ShapesSource::Bundled,
        vec![],
    )
    .unwrap();
    assert!(!reused);
    assert_eq!(
        (count(&first), first.triples, first.organizations),
        (63, 63, 3)
    );
    let memory = store::load(
        &orgdir::source::load(&data, Limits::default()).unwrap(),
        vec![],
    )
    .unwrap();
    assert_eq!(
        first.version, memory.version,
        "the same data, the same version"
    );
    let files = dumps_ready(&first, &dir);
    assert_eq!(files.len(), 5);
    drop(first);

    let (again, reused) = open_or_build(
        &dir,
        &data,
        Limits::default(),
        &ShapesSource::Bundled,
        vec![],
    )
    .unwrap();
    assert!(reused, "unchanged data reuses the store");
    assert_eq!(count(&again), 63);
    assert_eq!(dumps_ready(&again, &dir), files, "and its dumps");
    drop(again);

    // A replica (README): a copy of the directory elsewhere is reused as is,
    // while the original is open in this process.
    let original = open_or_build(
        &dir,
        &data,
        Limits::default(),
        &ShapesSource::Bundled,
        vec![],
    )
    .unwrap()
    .0;
    let replica_dir = tmp.path().join("replicas").join("store-1");
    copy_dir(&dir, &replica_dir);
    let (replica, reused) = open_or_build(
        &replica_dir,
        &data,
        Limits::default(),
        &ShapesSource::Bundled,
        vec![],
    )
    .unwrap();
    assert!(reused, "a copy of the store is reused");
    assert_eq!(count(&replica), count(&original));
    assert_eq!(replica.version, original.version);
    assert_eq!(dumps_ready(&replica, &replica_dir), files);
    drop((original, replica));
    std::fs::remove_dir_all(tmp.path().join("replicas")).unwrap();

    std::fs::write(
        data.join("added.yaml"),
        "- id: added\n  name: Added\n  category: regional\n",
    )
    .unwrap();
    let (changed, reused) = open_or_build(
        &dir,
        &data,
        Limits::default(),
        &ShapesSource::Bundled,
        vec![],
    )
    .unwrap();
    assert!(!reused, "changed data rebuilds the store");
    assert_eq!(changed.organizations, 4);
    assert!(count(&changed) > 63);
    drop(changed);
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        2,
        "no staging directories left: {leftovers:?}"
    );
}

#[test]
fn bad_data_leaves_the_store_alone_and_foreign_directories_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_fixture(&data);
    let dir = tmp.path().join("store");
    drop(
        open_or_build(
            &dir,
            &data,
            Limits::default(),
            &ShapesSource::Bundled,
            vec![],
        )
        .unwrap(),
    );

    std::fs::write(data.join("broken.yaml"), "- id: [\n").unwrap();
    let err = open_or_build(
        &dir,
        &data,
        Limits::default(),
        &ShapesSource::Bundled,
        vec![],
    )
    .err()
    .unwrap();
    assert_eq!(err.exit_code(), 2);
    std::fs::remove_file(data.join("broken.yaml")).unwrap();
    let (kept, reused) = open_or_build(
        &dir,
        &data,
        Limits::default(),
        &ShapesSource::Bundled,
        vec![],
    )
    .unwrap();
    assert!(reused, "the previous store was left whole");
    drop(kept);

    let mine = tmp.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("thesis.tex"), "precious").unwrap();
    let err = open_or_build(
        &mine,
        &data,
        Limits::default(),
        &ShapesSource::Bundled,
        vec![],
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("refusing to replace"), "{err}");
    assert_eq!(
        std::fs::read_to_string(mine.join("thesis.tex")).unwrap(),
        "precious"
    );
}
