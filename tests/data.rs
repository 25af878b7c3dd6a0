//! The bundled directory is faithful to the page it transcribes: fourteen
//! entries, two regional and twelve national, descriptions verbatim; and
//! one record more, `core`, LLAMA's successor, from the research notes
//! (not on the page).

use std::path::Path;

use orgdir::source::{self, Category, Limits};

#[test]
fn descriptions_are_the_pages_paragraphs_verbatim() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let page =
        std::fs::read_to_string(root.join("data/source/professional-organizations.txt")).unwrap();
    let paragraphs: Vec<&str> = page.lines().filter(|l| l.len() > 80).collect();
    let data = source::load(&root.join("data"), Limits::default()).unwrap();

    let (orgs, added): (Vec<_>, Vec<_>) = data
        .organizations
        .iter()
        .partition(|o| &*o.id.value != "core");
    assert_eq!(added.len(), 1, "core, LLAMA's successor");
    assert_eq!(orgs.len(), 14);
    let regional = orgs
        .iter()
        .filter(|o| o.category.value == Category::Regional)
        .count();
    assert_eq!((regional, orgs.len() - regional), (2, 12));

    let mut used = Vec::new();
    for org in &orgs {
        let description = &org.description.as_ref().expect("every entry has one").value;
        assert!(
            paragraphs.contains(&&**description),
            "{}: description is not a paragraph of the page: {description}",
            org.id.value
        );
        used.push(&**description);
    }
    used.sort();
    used.dedup();
    assert_eq!(
        used.len(),
        paragraphs.len(),
        "every paragraph is used exactly once"
    );
}
