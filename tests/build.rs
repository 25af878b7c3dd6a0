//! `orgdir build` end to end: the bundled data and the fixtures build; the
//! three dumps parse and hold the same graph; builds are byte-identical; the
//! canonical hash in void.ttl is RDFC-1.0's; OUT is replaced atomically.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use orgdir::rdf::canon;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{Dataset, GraphNameRef, NamedNodeRef, Quad, TermRef};
use sha2::{Digest, Sha256};

const SCHEMA: &str = "http://schema.org/";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn orgdir(args: &[&str], data: &Path, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .arg("--data")
        .arg(data)
        .args(args)
        .arg("build")
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

fn build_ok(data: &Path, out: &Path) {
    let output = orgdir(&[], data, out);
    assert!(
        output.status.success(),
        "build failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn parse(path: &Path) -> Dataset {
    let format = RdfFormat::from_extension(path.extension().unwrap().to_str().unwrap()).unwrap();
    let bytes = fs::read(path).unwrap();
    RdfParser::from_format(format)
        .for_slice(&bytes)
        .collect::<Result<Vec<Quad>, _>>()
        .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()))
        .into_iter()
        .collect()
}

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().into_string().unwrap(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Objects of (subject, predicate) in the default graph, as N-Triples terms.
fn objects(g: &Dataset, s: &str, p: &str) -> Vec<String> {
    let mut v: Vec<String> = g
        .quads_for_subject(NamedNodeRef::new(s).unwrap())
        .filter(|q| q.predicate.as_str() == p && q.graph_name == GraphNameRef::DefaultGraph)
        .map(|q| q.object.to_string())
        .collect();
    v.sort();
    v
}

fn void_value(void: &Dataset, p: &str) -> String {
    let q = void
        .iter()
        .find(|q| q.predicate.as_str() == p)
        .unwrap_or_else(|| panic!("void.ttl has no {p}"));
    match q.object {
        TermRef::Literal(l) => l.value().to_owned(),
        other => other.to_string(),
    }
}

#[test]
fn bundled_data_builds_into_three_isomorphic_dumps() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dist");
    build_ok(&root().join("data"), &out);
    assert_eq!(
        files(&out).keys().collect::<Vec<_>>(),
        [
            "SHA256SUMS",
            "orgs.jsonld",
            "orgs.nt",
            "orgs.ttl",
            "void.ttl"
        ]
    );
    let nt = parse(&out.join("orgs.nt"));
    let ttl = parse(&out.join("orgs.ttl"));
    let jsonld = parse(&out.join("orgs.jsonld"));
    let canonical = canon::canonical_nquads(&nt);
    assert_eq!(
        canon::canonical_nquads(&ttl),
        canonical,
        "Turtle and N-Triples differ"
    );
    assert_eq!(
        canon::canonical_nquads(&jsonld),
        canonical,
        "JSON-LD and N-Triples differ"
    );

    // Fifteen organizations: two regional, thirteen national (Core among
    // them, LLAMA's successor).
    let orgs: Vec<_> = nt
        .iter()
        .filter(|q| q.object.to_string() == format!("<{SCHEMA}Organization>"))
        .map(|q| q.subject.to_string())
        .collect();
    assert_eq!(orgs.len(), 15, "{orgs:?}");
    let category = |c: &str| {
        nt.iter()
            .filter(|q| {
                q.predicate.as_str() == format!("{SCHEMA}additionalType")
                    && q.object.to_string().ends_with(&format!("/category/{c}>"))
            })
            .count()
    };
    assert_eq!((category("regional"), category("national")), (2, 13));

    // Divisions are sub-organizations of ALA, with a qualified role.
    let base = "https://nmsl-orgs.example.org/";
    let ala = format!("{base}org/ala");
    let subs = objects(&nt, &ala, &format!("{SCHEMA}subOrganization"));
    for division in [
        "alsc",
        "lama",
        "pla",
        "rusa",
        "united-for-libraries",
        "yalsa",
    ] {
        assert!(
            subs.contains(&format!("<{base}org/{division}>")),
            "{division} not under ALA"
        );
    }
    // LLAMA is retired, merged into Core, which names it in return.
    let (lama, core) = (format!("{base}org/lama"), format!("{base}org/core"));
    let dcterms = "http://purl.org/dc/terms/";
    assert_eq!(
        objects(&nt, &lama, &format!("{dcterms}isReplacedBy")),
        [format!("<{core}>")]
    );
    assert_eq!(
        objects(&nt, &core, &format!("{dcterms}replaces")),
        [format!("<{lama}>")]
    );
    assert_eq!(
        objects(&nt, &lama, "http://www.w3.org/ns/adms#status"),
        [format!("<{base}status/merged>")]
    );
    assert_eq!(
        objects(
            &nt,
            &format!("{base}status/merged"),
            "http://www.w3.org/2004/02/skos/core#notation"
        ),
        ["\"merged\""]
    );
    assert_eq!(
        objects(&nt, &lama, &format!("{dcterms}date")),
        ["\"2020-09-01\"^^<http://www.w3.org/2001/XMLSchema#date>"]
    );
    let role = format!("{base}org/lama/role/ala");
    assert_eq!(
        objects(&nt, &role, &format!("{SCHEMA}roleName")),
        ["\"division\""]
    );
    assert_eq!(
        objects(&nt, &role, &format!("{SCHEMA}endDate")),
        ["\"2020-09-01\"^^<http://www.w3.org/2001/XMLSchema#date>"]
    );
    assert_eq!(
        objects(&nt, &format!("{base}org/ala"), &format!("{SCHEMA}url")),
        ["<https://www.ala.org/>"],
        "url must be an IRI, not a string"
    );
}

#[test]
fn void_describes_the_dumps_and_the_canonical_hash() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dist");
    build_ok(&root().join("tests/fixtures/valid/data"), &out);
    let void = parse(&out.join("void.ttl"));
    let nt = parse(&out.join("orgs.nt"));
    let ttl = parse(&out.join("orgs.ttl"));
    let jsonld = parse(&out.join("orgs.jsonld"));

    assert_eq!(
        void_value(&void, "http://rdfs.org/ns/void#triples"),
        nt.len().to_string()
    );
    let hash = objects(
        &void,
        "https://data.example.org/dataset/fixture#canonical-sha256",
        "http://spdx.org/rdf/terms#checksumValue",
    );
    // RDFC-1.0 by oxrdf, from each serialization, gives the hash void.ttl states.
    for (name, g) in [("nt", &nt), ("ttl", &ttl), ("jsonld", &jsonld)] {
        assert_eq!(
            hash,
            [format!(
                "\"{}\"^^<http://www.w3.org/2001/XMLSchema#hexBinary>",
                canon::canonical_hash(g)
            )],
            "{name}"
        );
    }
    // Each dump's size and SHA-256 in void.ttl and SHA256SUMS are the file's.
    let sums = fs::read_to_string(out.join("SHA256SUMS")).unwrap();
    for name in ["orgs.ttl", "orgs.nt", "orgs.jsonld", "void.ttl"] {
        let bytes = fs::read(out.join(name)).unwrap();
        let sha = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>();
        assert!(
            sums.contains(&format!("{sha}  {name}\n")),
            "{name} not in {sums}"
        );
        if name != "void.ttl" {
            let url = format!("https://data.example.org/dumps/{name}");
            assert_eq!(
                objects(&void, &url, "http://www.w3.org/ns/dcat#byteSize"),
                [format!(
                    "\"{}\"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>",
                    bytes.len()
                )]
            );
            assert_eq!(
                objects(
                    &void,
                    &format!("{url}#sha256"),
                    "http://spdx.org/rdf/terms#checksumValue"
                ),
                [format!(
                    "\"{sha}\"^^<http://www.w3.org/2001/XMLSchema#hexBinary>"
                )]
            );
        }
    }
    assert_eq!(
        objects(
            &void,
            "https://data.example.org/dataset/fixture",
            "http://purl.org/dc/terms/modified"
        ),
        ["\"2024-02-29\"^^<http://www.w3.org/2001/XMLSchema#date>"],
        "the date comes from dataset.yaml, not the clock"
    );
}

#[test]
fn tricky_strings_survive_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dist");
    build_ok(&root().join("tests/fixtures/valid/data"), &out);
    let expected =
        "\"A parent with \\\"quotes\\\", a backslash \\\\ and a tab\\t, and </script> in it.\"";
    for name in ["orgs.nt", "orgs.ttl", "orgs.jsonld"] {
        let g = parse(&out.join(name));
        let parent = "https://data.example.org/org/parent";
        assert_eq!(
            objects(&g, parent, &format!("{SCHEMA}description")),
            [expected],
            "{name}"
        );
        let regional = "https://data.example.org/org/regional";
        assert_eq!(
            objects(&g, regional, &format!("{SCHEMA}name")),
            ["\"Régional Library Association — ünïcode\""],
            "{name}"
        );
        assert_eq!(
            objects(
                &g,
                "https://data.example.org/org/child",
                &format!("{SCHEMA}areaServed")
            ),
            [
                "<https://data.example.org/place/new-mexico>",
                "<https://data.example.org/place/río-arriba>"
            ],
            "{name}"
        );
    }
    let jsonld = fs::read_to_string(out.join("orgs.jsonld")).unwrap();
    assert!(jsonld.contains("\"memberOf\": \"https://data.example.org/org/parent\""));
    assert!(jsonld.contains("\"type\": \"Organization\""));
}

#[test]
fn two_builds_are_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let synth = tmp.path().join("synth");
    orgdir::synth::write(
        &synth,
        &orgdir::synth::SynthOptions {
            records: 2500,
            per_file: 700,
            ..Default::default()
        },
    )
    .unwrap();
    for data in [root().join("data"), synth] {
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        build_ok(&data, &a);
        build_ok(&data, &b);
        assert_eq!(files(&a), files(&b), "{}", data.display());
        fs::remove_dir_all(&a).unwrap();
        fs::remove_dir_all(&b).unwrap();
    }
}

#[test]
fn synthetic_data_round_trips_and_hashes_like_rdfc10() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("synth");
    let options = orgdir::synth::SynthOptions {
        records: 1500,
        seed: 7,
        ..Default::default()
    };
    orgdir::synth::write(&data, &options).unwrap();
    let out = tmp.path().join("dist");
    build_ok(&data, &out);
    let nt_bytes = fs::read(out.join("orgs.nt")).unwrap();
    let nt = parse(&out.join("orgs.nt"));
    // The streamed N-Triples are byte for byte the RDFC-1.0 canonical N-Quads.
    assert_eq!(
        String::from_utf8(nt_bytes).unwrap(),
        canon::canonical_nquads(&nt)
    );
    let jsonld = parse(&out.join("orgs.jsonld"));
    let ttl = parse(&out.join("orgs.ttl"));
    assert_eq!(canon::canonical_nquads(&ttl), canon::canonical_nquads(&nt));
    assert_eq!(
        canon::canonical_nquads(&jsonld),
        canon::canonical_nquads(&nt)
    );
}

#[test]
fn out_is_replaced_whole_and_foreign_directories_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dist");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("orgs.nt"), "stale\n").unwrap();
    build_ok(&root().join("tests/fixtures/valid/data"), &out);
    assert_ne!(fs::read(out.join("orgs.nt")).unwrap(), b"stale\n");
    // OUT alone: no staging directory, no lock file.
    let beside: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(beside, ["dist"], "left behind");

    // A directory holding files orgdir did not write is not replaced.
    let mine = tmp.path().join("mine");
    fs::create_dir(&mine).unwrap();
    fs::write(mine.join("thesis.tex"), "precious").unwrap();
    let output = orgdir(&[], &root().join("tests/fixtures/valid/data"), &mine);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refusing to replace") && stderr.contains("thesis.tex"),
        "{stderr}"
    );
    assert_eq!(
        fs::read_to_string(mine.join("thesis.tex")).unwrap(),
        "precious"
    );
    assert_eq!(fs::read_dir(&mine).unwrap().count(), 1);
}

#[test]
fn usage_errors_exit_2_and_quiet_is_quiet() {
    let output = Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .args(["build", "--no-such-flag"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));

    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dist");
    let quiet = orgdir(&["-q"], &root().join("tests/fixtures/valid/data"), &out);
    assert!(quiet.status.success() && quiet.stderr.is_empty());
    let normal = orgdir(&[], &root().join("tests/fixtures/valid/data"), &out);
    let stderr = String::from_utf8_lossy(&normal.stderr);
    assert!(stderr.contains("3 organizations, 63 triples"), "{stderr}");
}
