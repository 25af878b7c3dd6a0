//! The site in a real browser: headless Chromium driven over WebDriver
//! (chromedriver) against a real server on 127.0.0.1. It loads the directory,
//! follows a link to an organization page, runs an example query on the query
//! page (with JavaScript: no reload) and reads the result table, checks that
//! no page scrolls sideways on a phone-sized screen, and writes a screenshot
//! of each page under `target/screenshots/` for a person to look at.
//!
//! It needs Debian's `chromium` and `chromium-driver`, which `.ci/run`
//! installs before running it: `cargo test --test browser -- --ignored`.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

mod common;
use common::*;

/// chromedriver on a free loopback port, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start() -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let binary = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let child = Command::new(&binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run {binary} (apt-get install chromium chromium-driver): {e}")
            });
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver { child, port }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn browser(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    // --no-sandbox: CI runs as root in a container, where Chromium's sandbox
    // cannot start.
    let args = [
        "--headless=new",
        "--disable-gpu",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
    ];
    let mut options = serde_json::json!({ "args": args });
    if let Ok(binary) = std::env::var("CHROMIUM") {
        options["binary"] = binary.into();
    }
    caps.insert("goog:chromeOptions".into(), options);
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session")
}

/// Whether the page is wider than the window (a phone must not scroll sideways).
async fn scrolls_sideways(client: &Client) -> bool {
    client
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth;",
            vec![],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap()
}

async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
}

async fn click(client: &Client, locator: Locator<'_>) {
    client.find(locator).await.unwrap().click().await.unwrap();
}

#[test]
#[ignore = "needs chromium and chromedriver; .ci/run runs it with --ignored"]
fn directory_organization_page_and_query_page_in_chromium() {
    let server = RealServer::start(state_with_dumps());
    let base = format!("http://{}", server.addr);
    let driver = Driver::start();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = browser(&driver).await;
        let shots = screenshots();

        // The directory: follow the link to an organization's page.
        client.goto(&format!("{base}/")).await.unwrap();
        assert_eq!(
            client.title().await.unwrap(),
            "Directory · Fixture directory"
        );
        std::fs::write(
            shots.join("directory.png"),
            client.screenshot().await.unwrap(),
        )
        .unwrap();
        let link = client
            .find(Locator::LinkText("Parent Association"))
            .await
            .unwrap();
        link.click().await.unwrap();
        let h1 = wait_for(&client, "h1").await;
        assert_eq!(h1.text().await.unwrap(), "Parent Association");
        assert_eq!(client.current_url().await.unwrap().path(), "/org/parent");
        let members = client.find(Locator::Css("table tbody td a")).await.unwrap();
        assert_eq!(members.text().await.unwrap(), "Child Division");
        std::fs::write(
            shots.join("organization.png"),
            client.screenshot().await.unwrap(),
        )
        .unwrap();

        // The query page: load an example, run it, read the table.
        client.goto(&format!("{base}/sparql")).await.unwrap();
        click(&client, Locator::Css("a[data-example=names]")).await;
        let area = client.find(Locator::Id("query")).await.unwrap();
        let text = area.prop("value").await.unwrap().unwrap();
        assert!(
            text.starts_with("# title: Names <of> organizations"),
            "{text}"
        );
        assert_eq!(
            client.current_url().await.unwrap().path(),
            "/sparql",
            "the example loads without leaving the page"
        );
        // Marks the document: a reload (the form POST without JavaScript)
        // would lose the mark.
        client
            .execute("window.orgdirMark = 1;", vec![])
            .await
            .unwrap();
        click(&client, Locator::Id("run")).await;
        wait_for(&client, "#results-table tbody tr").await;
        let cells = client
            .find_all(Locator::Css("#results-table tbody tr td:nth-child(2)"))
            .await
            .unwrap();
        let mut names = Vec::new();
        for c in cells {
            names.push(c.text().await.unwrap());
        }
        assert_eq!(
            names,
            [
                "Child Division",
                "Parent Association",
                "Régional Library Association — ünïcode"
            ]
        );
        let first = client
            .find(Locator::Css("#results-table tbody tr td a"))
            .await
            .unwrap();
        assert_eq!(
            first.attr("href").await.unwrap().as_deref(),
            Some("/org/child")
        );
        let mark = client
            .execute("return window.orgdirMark;", vec![])
            .await
            .unwrap();
        assert_eq!(
            mark,
            serde_json::json!(1),
            "the query ran without a page reload"
        );
        // The results are in view after Run, with a permalink and a CSV
        // download (they used to sit below the examples, out of sight).
        let in_view = client
            .execute(
                "const r = document.getElementById('results').getBoundingClientRect();\
                 return r.top >= 0 && r.top < window.innerHeight - 40;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(in_view, serde_json::json!(true), "results out of sight after Run");
        let permalink = client.find(Locator::Id("permalink")).await.unwrap();
        let href = permalink.attr("href").await.unwrap().unwrap();
        assert!(href.starts_with("/sparql?query="), "{href}");
        let csv = client.find(Locator::Id("download-csv")).await.unwrap();
        assert!(csv.attr("href").await.unwrap().unwrap().ends_with("&format=csv"));
        std::fs::write(shots.join("query.png"), client.screenshot().await.unwrap()).unwrap();
        // The permalink runs the query on a page of its own.
        client.goto(&format!("{base}{href}")).await.unwrap();
        wait_for(&client, "#results-table tbody tr").await;

        // A bad query shows the parser's message.
        let area = client.find(Locator::Id("query")).await.unwrap();
        area.clear().await.unwrap();
        area.send_keys("SELECT nonsense").await.unwrap();
        click(&client, Locator::Id("run")).await;
        let error = wait_for(&client, "#results p.error").await;
        assert!(
            error
                .text()
                .await
                .unwrap()
                .starts_with("SPARQL syntax error")
        );

        // The search box: submitted without JavaScript's help, and
        // suggesting names with it.
        client.goto(&format!("{base}/org/parent")).await.unwrap();
        let input = client.find(Locator::Id("site-search")).await.unwrap();
        input.send_keys("Child Div").await.unwrap();
        client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("#site-search-suggestions option[value='Child Division']"))
            .await
            .expect("a suggestion for what was typed");
        click(&client, Locator::Css("form.search button")).await;
        let first = wait_for(&client, "ol.results li a").await;
        assert_eq!(first.text().await.unwrap(), "Child Division");
        assert_eq!(client.current_url().await.unwrap().path(), "/search");

        // Every page: a canonical link and a meta description; `/` says
        // what the dataset is and where it is downloaded.
        for path in ["/", "/org/parent", "/dumps/", "/queries", "/sparql", "/schema/"] {
            client.goto(&format!("{base}{path}")).await.unwrap();
            let head = client
                .execute(
                    "const c = document.querySelector('link[rel=canonical]');\
                     const d = document.querySelector('meta[name=description]');\
                     return [c ? c.href : '', d ? d.content : ''];",
                    vec![],
                )
                .await
                .unwrap();
            assert!(head[0].as_str().unwrap().starts_with("https://data.example.org/"), "{path}: {head}");
            assert!(head[1].as_str().unwrap().len() > 10, "{path}: {head}");
        }
        client.goto(&format!("{base}/")).await.unwrap();
        let dataset = client
            .execute(
                "return JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').textContent);",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(dataset["@type"], "Dataset");
        assert_eq!(dataset["distribution"].as_array().unwrap().len(), 3, "{dataset}");
        // The sitemap lists every organization page of the directory.
        let listed = client
            .find_all(Locator::Css("ul.orgs li h3 a"))
            .await
            .unwrap()
            .len();
        client.goto(&format!("{base}/sitemap.xml")).await.unwrap();
        let locs = client
            .execute(
                "return [...document.getElementsByTagName('loc')].map(l => l.textContent)\
                 .filter(l => l.startsWith('https://data.example.org/org/')).length;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(locs, serde_json::json!(listed), "the sitemap lists every organization");
        client.goto(&format!("{base}/robots.txt")).await.unwrap();
        let robots = client.source().await.unwrap();
        assert!(robots.contains("Sitemap: https://data.example.org/sitemap.xml"), "{robots}");

        // A membership is titled by what it is, its rows in words.
        client.goto(&format!("{base}/org/child/role/parent")).await.unwrap();
        let title = client.title().await.unwrap();
        assert!(title.starts_with("Child Division: division of Parent Association"), "{title}");
        let labels: Vec<String> = {
            let mut out = Vec::new();
            for dt in client.find_all(Locator::Css("dl.facts dt")).await.unwrap() {
                out.push(dt.text().await.unwrap());
            }
            out
        };
        assert!(labels.contains(&"Member of".to_owned()), "{labels:?}");
        assert!(!labels.iter().any(|l| l.contains("schema:")), "{labels:?}");

        // Markdown code spans are code, not backticks.
        client.goto(&format!("{base}/queries")).await.unwrap();
        // (The query texts themselves, in <pre>, are shown as written.)
        for p in client.find_all(Locator::Css("main section p")).await.unwrap() {
            let text = p.text().await.unwrap();
            assert!(!text.contains('`'), "backticks shown on /queries: {text}");
        }
        assert!(client.find(Locator::Css("main section p code")).await.is_ok());

        // Phone-sized: nothing scrolls sideways, nothing inside a table is
        // wider than the screen, a hash wraps over a few lines at most, and
        // a date never breaks at its hyphens.
        client.set_window_size(390, 844).await.unwrap();
        for path in [
            "/",
            "/org/parent",
            "/org/child",
            "/sparql",
            "/dumps/",
            "/schema/",
            "/place/new-mexico",
            "/search?q=association",
        ] {
            client.goto(&format!("{base}{path}")).await.unwrap();
            assert!(
                !scrolls_sideways(&client).await,
                "{path} scrolls sideways at 390 px"
            );
            let too_wide = client
                .execute(
                    "return [...document.querySelectorAll('table td, table th')]\
                     .filter(c => c.getBoundingClientRect().right > window.innerWidth + 1).length;",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(too_wide, serde_json::json!(0), "{path}: table cells past the screen");
            let broken = client
                .execute(
                    "return [...document.querySelectorAll('td.date')].filter(c => {\
                       const r = document.createRange(); r.selectNodeContents(c);\
                       return r.getClientRects().length > 1; }).length;",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(broken, serde_json::json!(0), "{path}: a date wraps");
        }
        client.goto(&format!("{base}/dumps/")).await.unwrap();
        let lines = client
            .execute(
                "return Math.max(...[...document.querySelectorAll('td.hash code')]\
                 .map(c => c.getClientRects().length));",
                vec![],
            )
            .await
            .unwrap();
        assert!(lines.as_f64().unwrap() <= 4.0, "a hash wraps over {lines} lines at 390 px");
        std::fs::write(
            shots.join("dumps-phone.png"),
            client.screenshot().await.unwrap(),
        )
        .unwrap();
        client.goto(&format!("{base}/org/parent")).await.unwrap();
        std::fs::write(
            shots.join("organization-phone.png"),
            client.screenshot().await.unwrap(),
        )
        .unwrap();
        client.close().await.unwrap();
    });
    server.stop();
}
