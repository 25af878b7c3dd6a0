//! Synthetic directories for tests and benchmarks: realistic records
//! (names, ~200-character descriptions, alternate names, memberships with
//! roles, sub-organizations, places, URLs), deterministic for a given seed.
//! With [`SynthOptions::real_names`], the names are like a real directory's
//! ([`names`]), in several languages and scripts, with gold queries.

pub mod names;

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;
use std::{fs, io::BufWriter};

#[derive(Debug, Clone)]
pub struct SynthOptions {
    pub records: usize,
    pub seed: u64,
    /// Organization websites are `<url_base>org-<n>/`.
    pub url_base: String,
    pub per_file: usize,
    /// Names without serial numbers, in several scripts ([`names`]),
    /// instead of `<Region> <Topic> <Kind> <n>`.
    pub real_names: bool,
}

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions {
            records: 1000,
            seed: 1,
            url_base: "http://127.0.0.1:9/".into(),
            per_file: 1000,
            real_names: false,
        }
    }
}

/// SplitMix64: small, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const REGIONS: &[&str] = &[
    "Northern",
    "Southern",
    "Eastern",
    "Western",
    "Central",
    "Coastal",
    "Mountain",
    "Desert",
    "Prairie",
    "Valley",
    "Tri-County",
    "Metropolitan",
    "Rural",
    "Tribal",
    "Borderlands",
];
const TOPICS: &[&str] = &[
    "Library",
    "School Library",
    "Academic Library",
    "Law Library",
    "Medical Library",
    "Archives",
    "Rare Books",
    "Music Library",
    "Map Library",
    "Digital Library",
    "Children's Library",
    "Public Library",
    "Museum and Library",
    "Special Libraries",
];
const KINDS: &[&str] = &[
    "Association",
    "Council",
    "Society",
    "Network",
    "Consortium",
    "Guild",
    "Alliance",
    "Round Table",
    "Federation",
    "Forum",
];
const PLACES: &[&str] = &[
    "Arizona",
    "Colorado",
    "Kansas",
    "Montana",
    "Nebraska",
    "Nevada",
    "New Mexico",
    "North Dakota",
    "Oklahoma",
    "South Dakota",
    "Utah",
    "Wyoming",
    "Texas",
    "California",
    "Idaho",
    "Oregon",
    "Washington",
    "Alaska",
    "Hawaii",
    "Navajo Nation",
];
const ROLES: &[&str] = &["chapter", "affiliate", "division", "member", "partner"];
const OPENINGS: &[&str] = &[
    "A network of librarians, archivists and friends of libraries",
    "A nonprofit organization dedicated to the support and promotion of libraries",
    "An association of professionals and institutions",
    "A membership group of library staff, trustees and volunteers",
];
const PURPOSES: &[&str] = &[
    "that promotes the development of library service and the education of library personnel",
    "committed to improving access to information for every community it serves",
    "that provides continuing education, networking and advocacy for its members",
    "working to preserve cultural heritage and to share collections with the public",
];

fn quoted(s: &str) -> String {
    // JSON string syntax is valid YAML double-quoted syntax.
    serde_json::to_string(s).expect("strings serialize")
}

fn record(
    rng: &mut Rng,
    i: usize,
    options: &SynthOptions,
    naming: Option<&names::Naming>,
    out: &mut String,
) {
    let region = rng.pick(REGIONS);
    let topic = rng.pick(TOPICS);
    let kind = rng.pick(KINDS);
    let numbered = format!("{region} {topic} {kind} {i}");
    let abbreviation: String = numbered
        .split([' ', '-'])
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_alphabetic())
        .collect::<String>()
        .to_uppercase();
    let (name, alternates) = match naming {
        Some(n) => (
            n.name.clone(),
            n.alternates
                .iter()
                .map(|a| quoted(a))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        None => (numbered, format!("{abbreviation}{i}")),
    };
    let place = rng.pick(PLACES);
    let description = format!(
        "{} in the {} {place} region {}. Members meet each year.",
        rng.pick(OPENINGS),
        region.to_lowercase(),
        rng.pick(PURPOSES),
    );
    let _ = writeln!(out, "- id: org-{i}");
    let _ = writeln!(out, "  name: {}", quoted(&name));
    let _ = writeln!(out, "  alternateName: [{alternates}]");
    let _ = writeln!(out, "  description: {}", quoted(&description));
    let _ = writeln!(out, "  url: {}org-{i}/", options.url_base);
    let category = match rng.below(100) {
        0..30 => "regional",
        30..95 => "national",
        _ => "international",
    };
    let _ = writeln!(out, "  category: {category}");
    let areas = rng.below(4);
    if areas > 0 {
        let mut names: Vec<&str> = (0..areas).map(|_| rng.pick(PLACES)).collect();
        names.sort_unstable();
        names.dedup();
        let _ = writeln!(out, "  areaServed: [{}]", names.join(", "));
    }
    let founded = 1850 + rng.below(170);
    if rng.chance(60) {
        let _ = writeln!(out, "  foundingDate: {founded}");
    }
    if rng.chance(3) {
        let _ = writeln!(
            out,
            "  dissolutionDate: {}-06-30",
            founded + 1 + rng.below(50)
        );
    }
    if i > 0 {
        let count = rng.below(4);
        let mut targets: Vec<usize> = (0..count).map(|_| rng.below(i)).collect();
        targets.sort_unstable();
        targets.dedup();
        if !targets.is_empty() {
            let _ = writeln!(out, "  memberOf:");
        }
        for t in targets {
            if rng.chance(50) {
                let _ = writeln!(out, "    - org-{t}");
            } else {
                let _ = writeln!(out, "    - id: org-{t}");
                let _ = writeln!(out, "      roleName: {}", rng.pick(ROLES));
                let _ = writeln!(out, "      startDate: {}", founded + rng.below(30));
            }
        }
        if rng.chance(15) {
            let _ = writeln!(out, "  parentOrganization: org-{}", rng.below(i));
        }
    }
    if rng.chance(30) {
        let _ = writeln!(out, "  email: info@org-{i}.example.org");
    }
    if rng.chance(20) {
        let _ = writeln!(
            out,
            "  sameAs: [\"http://www.wikidata.org/entity/Q{}\"]",
            100_000 + i
        );
    }
}

/// Writes `dataset.yaml` and the records into `dir`, `per_file` records per file.
pub fn write(dir: &Path, options: &SynthOptions) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    fs::write(
        dir.join("dataset.yaml"),
        format!(
            "id: synthetic\ntitle: Synthetic directory of {} organizations\n\
             description: Generated by orgdir's synth example (seed {}).\n\
             publisher:\n  name: orgdir\nbase: https://synth.example.org/\n\
             license: https://creativecommons.org/publicdomain/zero/1.0/\nmodified: 2026-01-01\n",
            options.records, options.seed
        ),
    )?;
    let mut rng = Rng(options.seed);
    let namings = options
        .real_names
        .then(|| names::namings(options.records, options.seed));
    let per_file = options.per_file.max(1);
    let mut text = String::new();
    for start in (0..options.records).step_by(per_file) {
        text.clear();
        for i in start..(start + per_file).min(options.records) {
            let naming = namings.as_ref().map(|n| &n[i]);
            record(&mut rng, i, options, naming, &mut text);
        }
        let path = dir.join(format!("orgs-{:07}.yaml", start / per_file));
        let mut file = BufWriter::new(fs::File::create(path)?);
        file.write_all(text.as_bytes())?;
        file.flush()?;
    }
    Ok(())
}
