//! The linked-data site through the router: resource pages and their
//! negotiation, the directory page, dumps over HTTP, the query page, and the
//! quality of every HTML page (parse errors, titles, headings, link text,
//! escaping).

use std::collections::BTreeSet;
use std::io::Read;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use oxigraph::io::{RdfFormat, RdfParser};
use scraper::{Html, Selector};

mod common;
use common::*;

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// The triples of an RDF document, as sorted N-Triples lines.
fn graph(body: &[u8], format: RdfFormat) -> BTreeSet<String> {
    RdfParser::from_format(format)
        .for_slice(body)
        .map(|q| q.expect("parses").to_string())
        .collect()
}

fn select<'a>(doc: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    doc.select(&Selector::parse(css).unwrap()).collect()
}

fn text(e: &scraper::ElementRef<'_>) -> String {
    e.text().collect::<String>().trim().to_owned()
}

/// Checks what every page must be: parses without errors, has a language,
/// a viewport, a title, one h1, headings in order, link text that says where
/// it goes, nothing loaded from another site. Returns the parsed page.
fn check_page(body: &str, what: &str) -> Html {
    let doc = Html::parse_document(body);
    assert!(
        doc.errors.is_empty(),
        "{what}: parse errors {:?}",
        doc.errors
    );
    assert!(body.starts_with("<!doctype html>"), "{what}");
    assert_eq!(select(&doc, "html[lang=en]").len(), 1, "{what}: lang");
    assert_eq!(
        select(&doc, "meta[name=viewport]").len(),
        1,
        "{what}: viewport"
    );
    let title = select(&doc, "head > title");
    assert!(
        title.len() == 1 && !text(&title[0]).is_empty(),
        "{what}: title"
    );
    assert_eq!(select(&doc, "h1").len(), 1, "{what}: one h1");
    let mut previous = 1;
    for h in select(&doc, "h1, h2, h3, h4, h5, h6") {
        let level: u32 = h.value().name()[1..].parse().unwrap();
        assert!(
            level <= previous + 1,
            "{what}: heading skips to h{level}: {}",
            text(&h)
        );
        assert!(!text(&h).is_empty(), "{what}: empty heading");
        previous = level;
    }
    for a in select(&doc, "a") {
        let t = text(&a).to_lowercase();
        assert!(
            !t.is_empty(),
            "{what}: a link without text: {:?}",
            a.value()
        );
        assert!(
            !["here", "click here", "link", "more", "this"].contains(&t.as_str()),
            "{what}: link text `{t}` does not say where it goes"
        );
        assert!(a.value().attr("href").is_some(), "{what}: a without href");
    }
    for e in select(&doc, "script[src], link[rel=stylesheet]") {
        let src = e.value().attr("src").or(e.value().attr("href")).unwrap();
        assert!(src.starts_with('/'), "{what}: loads {src} from elsewhere");
    }
    for control in select(&doc, "textarea, input:not([type=hidden]), select") {
        let id = control.value().attr("id").expect("form controls have ids");
        assert_eq!(
            select(&doc, &format!("label[for={id}]")).len(),
            1,
            "{what}: #{id} has no label"
        );
    }
    doc
}

/// The JSON-LD embedded in a page, checked to be the only one and valid JSON.
fn embedded_jsonld(doc: &Html) -> String {
    let scripts = select(doc, "script[type=\"application/ld+json\"]");
    assert_eq!(scripts.len(), 1);
    let json = scripts[0].inner_html();
    serde_json::from_str::<serde_json::Value>(&json).expect("embedded JSON-LD is JSON");
    json
}

#[tokio::test]
async fn organization_pages_in_every_format_by_accept_and_extension() {
    let s = state(Default::default());
    let html = send(&s, get("/org/parent", None)).await;
    assert_eq!(html.status, StatusCode::OK);
    assert_eq!(
        content_type(&html),
        "text/html; charset=utf-8",
        "no Accept: HTML"
    );
    let browser = send(&s, get("/org/parent", Some(BROWSER))).await;
    assert_eq!(browser.body, html.body);

    let turtle = send(&s, get("/org/parent", Some("text/turtle"))).await;
    assert_eq!(content_type(&turtle), "text/turtle; charset=utf-8");
    assert_eq!(turtle.headers[header::VARY], "Accept");
    assert_eq!(turtle.headers[header::CONTENT_LOCATION], "/org/parent.ttl");
    let by_ext = send(&s, get("/org/parent.ttl", Some(BROWSER))).await;
    assert_eq!(by_ext.body, turtle.body, "the extension beats Accept");

    let expected = graph(turtle.body.as_bytes(), RdfFormat::Turtle);
    assert!(expected.contains(
        "<https://data.example.org/org/parent> <http://schema.org/name> \"Parent Association\""
    ));
    // The role linking the child to the parent is part of both descriptions.
    assert!(expected.contains(
        "<https://data.example.org/org/child/role/parent> <http://schema.org/roleName> \"division\""
    ));
    for (path, accept, format) in [
        ("/org/parent.nt", None, RdfFormat::NTriples),
        (
            "/org/parent",
            Some("application/n-triples"),
            RdfFormat::NTriples,
        ),
        (
            "/org/parent.jsonld",
            None,
            RdfFormat::JsonLd {
                profile: Default::default(),
            },
        ),
        (
            "/org/parent",
            Some("application/ld+json"),
            RdfFormat::JsonLd {
                profile: Default::default(),
            },
        ),
    ] {
        let a = send(&s, get(path, accept)).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert_eq!(content_type(&a), format.media_type(), "{path} {accept:?}");
        assert_eq!(
            graph(a.body.as_bytes(), format),
            expected,
            "{path} {accept:?}"
        );
    }
    // The JSON-LD in the HTML page is the same graph, in schema.org terms.
    let doc = check_page(&html.body, "/org/parent");
    let embedded = embedded_jsonld(&doc);
    assert!(embedded.contains("\"@vocab\": \"http://schema.org/\""));
    assert!(embedded.contains("\"name\": \"Parent Association\""));
    assert_eq!(
        graph(
            embedded.as_bytes(),
            RdfFormat::JsonLd {
                profile: Default::default()
            }
        ),
        expected
    );

    let refused = send(&s, get("/org/parent", Some("image/png"))).await;
    assert_eq!(refused.status, StatusCode::NOT_ACCEPTABLE);

    // Validators: the same representation is not sent twice.
    let etag = turtle.headers[header::ETAG].to_str().unwrap().to_owned();
    let again = send(
        &s,
        Request::get("/org/parent")
            .header(header::ACCEPT, "text/turtle")
            .header(header::IF_NONE_MATCH, &etag)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert_ne!(html.headers[header::ETAG], turtle.headers[header::ETAG]);
    let link = html.headers[header::LINK].to_str().unwrap();
    assert!(
        link.contains("</org/parent.ttl>; rel=\"alternate\"; type=\"text/turtle\""),
        "{link}"
    );
}

#[tokio::test]
async fn the_organization_page_shows_the_record_for_people() {
    let s = state(Default::default());
    let child = send(&s, get("/org/child", Some(BROWSER))).await;
    let doc = check_page(&child.body, "/org/child");
    assert_eq!(text(&select(&doc, "h1")[0]), "Child Division");
    assert_eq!(
        text(&select(&doc, "title")[0]),
        "Child Division · Fixture directory"
    );
    assert!(child.body.contains("Also known as: CD, Child Div."));
    let facts: Vec<String> = select(&doc, "dl.facts dt, dl.facts dd")
        .iter()
        .map(text)
        .collect();
    let fact = |label: &str| {
        let i = facts
            .iter()
            .position(|f| f == label)
            .unwrap_or_else(|| panic!("{label} in {facts:?}"));
        facts[i + 1].clone()
    };
    assert_eq!(fact("Parent organization"), "Parent Association");
    assert_eq!(fact("Places served"), "New Mexico, Río Arriba");
    assert_eq!(fact("Category"), "National Organizations");
    // Memberships with role and dates, linking to the other organization's page.
    let tables = select(&doc, "table");
    let rows = |table: &scraper::ElementRef<'_>| -> Vec<Vec<String>> {
        table
            .select(&Selector::parse("tbody tr").unwrap())
            .map(|r| r.child_elements().map(|c| text(&c)).collect())
            .collect()
    };
    let h2: Vec<String> = select(&doc, "h2").iter().map(text).collect();
    assert_eq!(h2[..2], ["Member of", "Members"]);
    assert_eq!(
        rows(&tables[0]),
        vec![vec!["Parent Association", "division", "1950-06-01", "2020"]]
    );
    // A member listed with no role (`memberOf: [parent, child]`).
    assert_eq!(
        rows(&tables[1]),
        vec![vec!["Régional Library Association — ünïcode", "", "", ""]]
    );
    let parent_link = select(&doc, "table tbody a")[0]
        .value()
        .attr("href")
        .unwrap();
    assert_eq!(parent_link, "/org/parent");

    let parent = send(&s, get(parent_link, Some(BROWSER))).await;
    let doc = check_page(&parent.body, "/org/parent");
    let headings: Vec<String> = select(&doc, "h2").iter().map(text).collect();
    assert!(headings.contains(&"Members".to_owned()), "{headings:?}");
    assert!(
        headings.contains(&"Sub-organizations".to_owned()),
        "{headings:?}"
    );
    let members: Vec<String> = select(&doc, "table tbody tr td:first-child")
        .iter()
        .map(text)
        .collect();
    assert!(
        members.contains(&"Child Division".to_owned()),
        "{members:?}"
    );
    let website = select(&doc, "dl.facts dd a")
        .into_iter()
        .find(|a| a.value().attr("href") == Some("https://parent.example.org/"));
    assert!(website.is_some(), "the website is a link");
    let hrefs: Vec<&str> = select(&doc, "dl.facts dd a")
        .iter()
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert!(
        hrefs.contains(&"mailto:info@parent.example.org"),
        "{hrefs:?}"
    );
    // The description holds `</script>`, quotes and a backslash: escaped in
    // the HTML (the text reads back exactly) and in the JSON-LD (which does
    // not end the script element, and reads back exactly).
    let description = "A parent with \"quotes\", a backslash \\ and a tab\t, and </script> in it.";
    let shown = select(&doc, "main p")
        .iter()
        .map(text)
        .any(|t| t == description.trim());
    assert!(shown, "the description is shown as text");
    let embedded = embedded_jsonld(&doc);
    assert!(!embedded.contains("</script>"));
    let json: serde_json::Value = serde_json::from_str(&embedded).unwrap();
    let graph = json["@graph"].as_array().unwrap();
    assert_eq!(
        graph[0]["@id"], "https://data.example.org/org/parent",
        "the page's resource first"
    );
    assert_eq!(graph[0]["description"], description);
}

#[tokio::test]
async fn places_and_categories_have_pages() {
    let s = state(Default::default());
    for (path, heading, listed) in [
        (
            "/place/new-mexico",
            "Organizations serving New Mexico",
            "Child Division",
        ),
        (
            "/place/r%C3%ADo-arriba",
            "Organizations serving Río Arriba",
            "Child Division",
        ),
        (
            "/category/national",
            "Organizations in National Organizations",
            "Parent Association",
        ),
    ] {
        let a = send(&s, get(path, Some(BROWSER))).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        let doc = check_page(&a.body, path);
        let h2: Vec<String> = select(&doc, "h2").iter().map(text).collect();
        assert!(h2.contains(&heading.to_owned()), "{path}: {h2:?}");
        let items: Vec<String> = select(&doc, "main li a").iter().map(text).collect();
        assert!(items.contains(&listed.to_owned()), "{path}: {items:?}");
        let ttl = send(&s, get(&format!("{path}.ttl"), None)).await;
        assert_eq!(ttl.status, StatusCode::OK, "{path}.ttl");
        assert!(!graph(ttl.body.as_bytes(), RdfFormat::Turtle).is_empty());
    }
    // The dataset, the category scheme and each role resolve too.
    for path in ["/dataset/fixture", "/category", "/org/child/role/parent"] {
        let a = send(&s, get(path, Some(BROWSER))).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        check_page(&a.body, path);
    }
}

#[tokio::test]
async fn unknown_paths_are_404_and_only_get_is_allowed() {
    let s = state(Default::default());
    let page = send(&s, get("/org/nobody", Some(BROWSER))).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let doc = check_page(&page.body, "404");
    assert_eq!(text(&select(&doc, "h1")[0]), "Not found");
    assert_eq!(text(&select(&doc, "main code")[0]), "/org/nobody");
    let plain = send(&s, get("/org/nobody.ttl", Some("text/turtle"))).await;
    assert_eq!(plain.status, StatusCode::NOT_FOUND);
    assert_eq!(content_type(&plain), "text/plain; charset=utf-8");
    for path in [
        "/org/",
        "/org",
        "/nothing/here",
        "/org/parent.xyz",
        "/org/%FF",
    ] {
        let a = send(&s, get(path, None)).await;
        assert!(
            a.status == StatusCode::NOT_FOUND || a.status == StatusCode::BAD_REQUEST,
            "{path}: {}",
            a.status
        );
    }
    let post = send(
        &s,
        Request::post("/org/parent").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(post.headers[header::ALLOW], "GET, HEAD");
}

#[tokio::test]
async fn the_directory_page_is_generated_from_the_store() {
    let s = state(Default::default());
    let page = send(&s, get("/", Some(BROWSER))).await;
    assert_eq!(page.status, StatusCode::OK);
    let doc = check_page(&page.body, "/");
    assert_eq!(text(&select(&doc, "h1")[0]), "Fixture directory");
    let sections: Vec<String> = select(&doc, "section h2").iter().map(text).collect();
    assert_eq!(
        sections,
        ["Regional Organizations", "National Organizations"]
    );
    // Each organization: its name linking to its page, its description, its website.
    let entries: Vec<(String, String)> = select(&doc, "ul.orgs h3 a")
        .iter()
        .map(|a| (text(a), a.value().attr("href").unwrap().to_owned()))
        .collect();
    assert!(
        entries.contains(&("Parent Association".into(), "/org/parent".into())),
        "{entries:?}"
    );
    assert!(
        entries.contains(&("Child Division".into(), "/org/child".into())),
        "{entries:?}"
    );
    let websites: Vec<&str> = select(&doc, "ul.orgs a.website")
        .iter()
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert!(websites.contains(&"https://parent.example.org/"));
    // The dataset's description, source, license and date; the dumps and the query page.
    let facts: Vec<String> = select(&doc, "dl.facts dd").iter().map(text).collect();
    assert!(facts.contains(&"2024-02-29".to_owned()), "{facts:?}");
    assert!(facts.contains(&"Test Publisher".to_owned()), "{facts:?}");
    let hrefs: Vec<&str> = select(&doc, "a")
        .iter()
        .filter_map(|a| a.value().attr("href"))
        .collect();
    for href in [
        "/dumps/",
        "/sparql",
        "https://source.example.org/page",
        "https://creativecommons.org/publicdomain/zero/1.0/",
        "/dumps/orgs.ttl",
    ] {
        assert!(hrefs.contains(&href), "{href} in {hrefs:?}");
    }
    // Every link to a page here resolves.
    for href in hrefs.iter().filter(|h| h.starts_with("/org/")) {
        assert_eq!(
            send(&s, get(href, None)).await.status,
            StatusCode::OK,
            "{href}"
        );
    }
    let beyond = send(&s, get("/?page=2", None)).await;
    assert_eq!(beyond.status, StatusCode::NOT_FOUND);
    let bad = send(&s, get("/?page=zero", None)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

fn with(uri: &str, headers: &[(header::HeaderName, &str)]) -> Request<Body> {
    let mut r = Request::get(uri);
    for (k, v) in headers {
        r = r.header(k, *v);
    }
    r.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn dumps_are_served_with_gzip_validators_and_ranges() {
    let s = state_with_dumps();
    let dir = tempfile::tempdir().unwrap();
    orgdir::commands::build::build(&orgdir::config::BuildOptions {
        data: fixtures().join("valid/data"),
        out: dir.path().join("dist"),
        release: None,
        limits: Default::default(),
        shapes: orgdir::validate::ShapesSource::Bundled,
    })
    .unwrap();
    for name in [
        "orgs.ttl",
        "orgs.nt",
        "orgs.jsonld",
        "void.ttl",
        "SHA256SUMS",
    ] {
        let built = std::fs::read(dir.path().join("dist").join(name)).unwrap();
        let plain = send(&s, get(&format!("/dumps/{name}"), None)).await;
        assert_eq!(plain.status, StatusCode::OK, "{name}");
        assert_eq!(plain.bytes, built, "/dumps/{name} is the build's file");
        assert!(plain.headers.get(header::CONTENT_ENCODING).is_none());
        let gz = send(
            &s,
            with(
                &format!("/dumps/{name}"),
                &[(header::ACCEPT_ENCODING, "gzip, br")],
            ),
        )
        .await;
        assert_eq!(gz.headers[header::CONTENT_ENCODING], "gzip", "{name}");
        assert_eq!(gz.headers[header::VARY], "Accept-Encoding");
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(&gz.bytes[..])
            .read_to_end(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, built, "{name}.gz");
        assert_ne!(gz.headers[header::ETAG], plain.headers[header::ETAG]);
    }
    let void = send(&s, get("/.well-known/void", None)).await;
    assert_eq!(
        void.bytes,
        std::fs::read(dir.path().join("dist/void.ttl")).unwrap()
    );
    assert_eq!(content_type(&void), "text/turtle; charset=utf-8");

    let first = send(&s, get("/dumps/orgs.nt", None)).await;
    let etag = first.headers[header::ETAG].to_str().unwrap().to_owned();
    let modified = first.headers[header::LAST_MODIFIED]
        .to_str()
        .unwrap()
        .to_owned();
    let len = first.bytes.len();
    let status = |headers: Vec<(header::HeaderName, String)>| {
        let s = &s;
        async move {
            let headers: Vec<(header::HeaderName, &str)> = headers
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str()))
                .collect();
            send(s, with("/dumps/orgs.nt", &headers)).await.status
        }
    };
    let old_date = "Sat, 01 Jan 2000 00:00:00 GMT".to_owned();
    for (headers, expected) in [
        (
            vec![(header::IF_NONE_MATCH, etag.clone())],
            StatusCode::NOT_MODIFIED,
        ),
        (
            vec![(header::IF_NONE_MATCH, "\"other\"".into())],
            StatusCode::OK,
        ),
        (
            vec![(header::IF_MODIFIED_SINCE, modified.clone())],
            StatusCode::NOT_MODIFIED,
        ),
        (vec![(header::IF_MODIFIED_SINCE, old_date)], StatusCode::OK),
        // If-None-Match decides when both are sent.
        (
            vec![
                (header::IF_NONE_MATCH, "\"other\"".into()),
                (header::IF_MODIFIED_SINCE, modified.clone()),
            ],
            StatusCode::OK,
        ),
    ] {
        assert_eq!(status(headers.clone()).await, expected, "{headers:?}");
    }

    let part = send(
        &s,
        with("/dumps/orgs.nt", &[(header::RANGE, "bytes=10-19")]),
    )
    .await;
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.bytes, first.bytes[10..20]);
    assert_eq!(
        part.headers[header::CONTENT_RANGE],
        format!("bytes 10-19/{len}")
    );
    let tail = send(&s, with("/dumps/orgs.nt", &[(header::RANGE, "bytes=-5")])).await;
    assert_eq!(tail.bytes, first.bytes[len - 5..]);
    let resumed = send(
        &s,
        with(
            "/dumps/orgs.nt",
            &[(header::RANGE, "bytes=100-"), (header::IF_RANGE, &etag)],
        ),
    )
    .await;
    assert_eq!(resumed.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(resumed.bytes, first.bytes[100..]);
    let changed = send(
        &s,
        with(
            "/dumps/orgs.nt",
            &[(header::RANGE, "bytes=100-"), (header::IF_RANGE, "\"old\"")],
        ),
    )
    .await;
    assert_eq!(
        changed.status,
        StatusCode::OK,
        "a stale If-Range gets the whole file"
    );
    assert_eq!(changed.bytes, first.bytes);
    let beyond = send(
        &s,
        with(
            "/dumps/orgs.nt",
            &[(header::RANGE, &format!("bytes={len}-"))],
        ),
    )
    .await;
    assert_eq!(beyond.status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        beyond.headers[header::CONTENT_RANGE],
        format!("bytes */{len}")
    );

    let head = send(
        &s,
        Request::head("/dumps/orgs.nt").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(head.status, StatusCode::OK);
    assert!(head.bytes.is_empty());
    assert_eq!(head.headers[header::CONTENT_LENGTH], len.to_string());

    // No request path reaches the file system.
    for path in [
        "/dumps/../Cargo.toml",
        "/dumps/..%2F..%2FCargo.toml",
        "/dumps/%2e%2e%2fCargo.toml",
        "/dumps/orgs.nt.gz",
        "/dumps/.",
        "/dumps/%2Fetc%2Fpasswd",
        "/.well-known/../Cargo.toml",
    ] {
        let a = send(&s, get(path, None)).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            !a.body.contains("[package]") && !a.body.contains("root:"),
            "{path}"
        );
    }

    let index = send(&s, get("/dumps/", None)).await;
    let json: serde_json::Value = serde_json::from_str(&index.body).unwrap();
    let names: Vec<&str> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "orgs.ttl",
            "orgs.nt",
            "orgs.jsonld",
            "void.ttl",
            "SHA256SUMS"
        ]
    );
    assert_eq!(json["version"], s.snapshot().version.as_str());
    let page = send(&s, get("/dumps/", Some(BROWSER))).await;
    let doc = check_page(&page.body, "/dumps/");
    assert_eq!(select(&doc, "tbody tr").len(), 5);
}

#[tokio::test]
async fn dumps_not_yet_written_are_503_with_retry_after() {
    let s = state(Default::default());
    let a = send(&s, get("/dumps/orgs.ttl", None)).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(a.headers[header::RETRY_AFTER], "5");
}

#[tokio::test]
async fn the_query_page_works_without_javascript() {
    let s = state(Default::default());
    let blank = send(&s, get("/sparql", Some(BROWSER))).await;
    assert_eq!(blank.status, StatusCode::OK);
    let doc = check_page(&blank.body, "/sparql");
    let form = select(&doc, "form#query-form")[0];
    assert_eq!(form.value().attr("method"), Some("post"));
    assert_eq!(form.value().attr("action"), Some("/sparql"));
    assert_eq!(select(&doc, "textarea[name=query]").len(), 1);
    assert_eq!(select(&doc, "script[src=\"/static/query.js\"]").len(), 1);
    let examples: Vec<String> = select(&doc, "#examples a").iter().map(text).collect();
    assert_eq!(examples.len(), 2, "{examples:?}");
    // An example link fills the text area, without JavaScript.
    let example = select(&doc, "#examples a")[0]
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    let filled = send(&s, get(&example, Some(BROWSER))).await;
    let doc = check_page(&filled.body, &example);
    let query = text(&select(&doc, "textarea")[0]);
    assert!(query.starts_with("# title:"), "{query}");

    // The form's POST: results rendered as a table, IRIs linking to pages.
    let post = |q: &str| {
        Request::post("/sparql")
            .header(header::ACCEPT, BROWSER)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(encode(q)))
            .unwrap()
    };
    let answered = send(&s, post("PREFIX schema: <http://schema.org/> SELECT ?o ?name WHERE { ?o a schema:Organization ; schema:name ?name } ORDER BY ?name")).await;
    assert_eq!(answered.status, StatusCode::OK);
    let doc = check_page(&answered.body, "POST /sparql");
    let head: Vec<String> = select(&doc, "#results-table thead th")
        .iter()
        .map(text)
        .collect();
    assert_eq!(head, ["o", "name"]);
    let rows: Vec<Vec<String>> = select(&doc, "#results-table tbody tr")
        .iter()
        .map(|r| r.child_elements().map(|c| text(&c)).collect())
        .collect();
    assert_eq!(
        rows[0],
        ["https://data.example.org/org/child", "Child Division"]
    );
    assert_eq!(
        select(&doc, "#results-table tbody a")[0]
            .value()
            .attr("href"),
        Some("/org/child")
    );
    assert!(
        text(&select(&doc, "textarea")[0]).contains("ORDER BY ?name"),
        "the query stays in the text area"
    );

    // GET with a query (a shared link) does the same.
    let linked = send(
        &s,
        get(
            &format!("/sparql?{}", encode("ASK { ?s ?p ?o }")),
            Some(BROWSER),
        ),
    )
    .await;
    let doc = check_page(&linked.body, "GET /sparql?query");
    assert_eq!(text(&select(&doc, "#result-boolean")[0]), "yes (true)");

    let graph = send(&s, post("PREFIX schema: <http://schema.org/> CONSTRUCT { ?a schema:memberOf ?b } WHERE { ?a schema:memberOf ?b }")).await;
    let doc = check_page(&graph.body, "CONSTRUCT page");
    let turtle = text(&select(&doc, "#result-graph")[0]);
    assert!(turtle.contains("memberOf"), "{turtle}");

    let broken = send(&s, post("SELECT nonsense")).await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    let doc = check_page(&broken.body, "syntax error page");
    assert!(text(&select(&doc, "p.error")[0]).starts_with("SPARQL syntax error"));
    assert_eq!(text(&select(&doc, "textarea")[0]), "SELECT nonsense");
    let unknown = send(&s, get("/sparql?example=nope", Some(BROWSER))).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // Programs are not sent the page: curl's */* still gets the service
    // description or JSON.
    let curl = send(&s, get("/sparql", Some("*/*"))).await;
    assert_eq!(content_type(&curl), "text/turtle; charset=utf-8");
}

#[tokio::test]
async fn static_files_and_the_named_queries_page() {
    let s = state(Default::default());
    for (path, media) in [
        ("/static/site.css", "text/css; charset=utf-8"),
        ("/static/query.js", "text/javascript; charset=utf-8"),
    ] {
        let a = send(&s, get(path, None)).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert_eq!(content_type(&a), media);
    }
    assert_eq!(
        send(&s, get("/static/../Cargo.toml", None)).await.status,
        StatusCode::NOT_FOUND
    );
    let queries = send(&s, get("/queries", Some(BROWSER))).await;
    check_page(&queries.body, "/queries");
}
