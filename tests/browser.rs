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
        std::fs::write(shots.join("query.png"), client.screenshot().await.unwrap()).unwrap();

        // A bad query shows the parser's message.
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

        // Phone-sized: nothing scrolls sideways.
        client.set_window_size(390, 844).await.unwrap();
        for path in [
            "/",
            "/org/parent",
            "/sparql",
            "/dumps/",
            "/place/new-mexico",
        ] {
            client.goto(&format!("{base}{path}")).await.unwrap();
            assert!(
                !scrolls_sideways(&client).await,
                "{path} scrolls sideways at 390 px"
            );
        }
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
