//! `orgdir serve` as the public will use it: the real binary on 127.0.0.1:0
//! with the fixture data, attacked and operated. Its allocator (the memory
//! account), its signal handling and its CPU time are the binary's, so these
//! tests run it rather than the router.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Runs forever on the fixture (a billion rows or more), in different shapes.
const RUNAWAYS: &[&str] = &[
    "SELECT (COUNT(*) AS ?c) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o }",
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i LIMIT 1",
    "SELECT ?x (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?x } GROUP BY ?x",
    "SELECT (COUNT(*) AS ?n) WHERE { ?a (!<http://x/>|^!<http://x/>)* ?b . ?c (!<http://x/>)* ?d . ?e ?f ?g }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c OPTIONAL { ?d ?e ?f OPTIONAL { ?g ?h ?i OPTIONAL { ?j ?k ?l OPTIONAL { ?m ?n ?o } } } } }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(REGEX(CONCAT(STR(?c), STR(?f), STR(?i)), \"^(a|b|ab)*c$\")) }",
    "SELECT DISTINCT ?a ?d ?g ?j WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
];

const PLAIN: &str =
    "PREFIX schema: <http://schema.org/> SELECT ?name WHERE { ?o schema:name ?name } LIMIT 5";

/// The tests that run a server under load take turns: their timings are
/// about the server's own behaviour, not about sharing two cores with each
/// other.
static TURN: Mutex<()> = Mutex::new(());

fn turn() -> std::sync::MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The binary serving the fixture, with its stderr collected; it holds the
/// [`turn`] while it runs.
struct Served {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
    _turn: std::sync::MutexGuard<'static, ()>,
}

impl Served {
    fn start(args: &[&str]) -> Served {
        let turn = turn();
        let root = common::fixtures();
        let mut child = Command::new(env!("CARGO_BIN_EXE_orgdir"))
            .arg("--data")
            .arg(root.join("valid/data"))
            .arg("serve")
            .arg("--addr")
            .arg("127.0.0.1:0")
            .arg("--queries")
            .arg(root.join("queries"))
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut lines = BufReader::new(child.stderr.take().unwrap());
        let mut addr = None;
        let mut line = String::new();
        while lines.read_line(&mut line).unwrap() > 0 {
            stderr.lock().unwrap().push_str(&line);
            if let Some(rest) = line.split(" at http://").nth(1) {
                addr = Some(rest.split('/').next().unwrap().parse().unwrap());
                break;
            }
            line.clear();
        }
        let addr = addr.unwrap_or_else(|| panic!("no address in {}", stderr.lock().unwrap()));
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut rest = String::new();
            let mut buf = [0u8; 4096];
            while let Ok(n) = lines.read(&mut buf) {
                if n == 0 {
                    break;
                }
                rest.push_str(&String::from_utf8_lossy(&buf[..n]));
                sink.lock().unwrap().push_str(&rest);
                rest.clear();
            }
        });
        Served {
            child,
            addr,
            stderr,
            _turn: turn,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn query_url(&self, query: &str) -> String {
        self.url(&format!("/sparql?{}", common::encode(query)))
    }

    /// The server's user and system CPU time, in seconds.
    fn cpu(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        let fields: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap()
            .split_whitespace()
            .collect();
        let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
        ticks / 100.0
    }

    fn rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace()
            .nth(1)
            .unwrap()
            .parse::<f64>()
            .unwrap()
            / 1024.0
    }

    fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn signal(&self, signal: &str) {
        let ok = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// One value of `/metrics` of the server at `addr`.
async fn metric(addr: SocketAddr, name: &str) -> f64 {
    let text = client()
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find(|l| l.starts_with(name) && !l.starts_with('#'))
        .and_then(|l| l.rsplit(' ').next())
        .map_or(0.0, |v| v.parse().unwrap())
}

#[test]
fn runaway_queries_stop_using_cpu_while_plain_queries_and_pages_answer() {
    let s = Served::start(&[
        "--query-timeout",
        "2",
        "--per-client",
        "100",
        "--long-queries",
        "16",
    ]);
    let rt = runtime();
    rt.block_on(async {
        let sent = Instant::now();
        let runaways: Vec<_> = RUNAWAYS
            .iter()
            .map(|q| {
                let url = s.query_url(q);
                tokio::spawn(async move {
                    let r = client()
                        .get(url)
                        .header("accept", "application/sparql-results+json")
                        .send()
                        .await
                        .unwrap();
                    (r.status().as_u16(), r.text().await.unwrap())
                })
            })
            .collect();
        // Meanwhile plain queries, pages and operators' routes answer at once.
        tokio::time::sleep(Duration::from_millis(300)).await;
        for path in ["/", "/health", "/metrics", "/dumps/"] {
            let start = Instant::now();
            let r = client().get(s.url(path)).send().await.unwrap();
            assert_eq!(r.status(), 200, "{path}");
            assert!(start.elapsed() < Duration::from_secs(1), "{path} waited");
        }
        let start = Instant::now();
        let r = client().get(s.query_url(PLAIN)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "a plain query waited"
        );
        for (i, r) in runaways.into_iter().enumerate() {
            let (status, body) = r.await.unwrap();
            assert_eq!(status, 503, "{}: {body}", RUNAWAYS[i]);
            assert!(body.contains("was cancelled"), "{body}");
        }
        // Within 4 s of the 2 s timeout, the CPU time stops growing.
        let settled = sent + Duration::from_secs(6);
        tokio::time::sleep(settled.saturating_duration_since(Instant::now())).await;
        let before = s.cpu();
        tokio::time::sleep(Duration::from_secs(2)).await;
        let spent = s.cpu() - before;
        assert!(
            spent < 0.1,
            "the server used {spent} s of CPU after its queries were cancelled"
        );
        assert_eq!(metric(s.addr, "orgdir_evaluations_in_flight").await, 0.0);
        assert_eq!(
            metric(s.addr, "orgdir_queries_cancelled_total{reason=\"timeout\"}").await,
            RUNAWAYS.len() as f64
        );
    });
}

/// A GET of `url` sent in the background; its status when it ends.
fn in_background(url: String) -> tokio::task::JoinHandle<reqwest::StatusCode> {
    tokio::spawn(async move { client().get(url).send().await.unwrap().status() })
}

#[test]
fn long_queries_past_their_slots_are_cancelled_early() {
    let s = Served::start(&[
        "--query-timeout",
        "5",
        "--long-queries",
        "1",
        "--per-client",
        "100",
    ]);
    let rt = runtime();
    rt.block_on(async {
        let first = in_background(s.query_url(RUNAWAYS[0]));
        // Past 1 s in its slot the first is long whatever CPU it got (on a
        // loaded machine, 100 ms was sometimes too little, and the second
        // took the long slot first).
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let start = Instant::now();
        let second = client().get(s.query_url(RUNAWAYS[2])).send().await.unwrap();
        let waited = start.elapsed();
        assert_eq!(second.status(), 503);
        assert!(second.headers().get("retry-after").is_some());
        assert!(second.text().await.unwrap().contains("long queries"));
        assert!(
            waited < Duration::from_secs(2),
            "{waited:?}: not cancelled early"
        );
        let plain = client().get(s.query_url(PLAIN)).send().await.unwrap();
        assert_eq!(plain.status(), 200);
        assert_eq!(
            first.await.unwrap(),
            503,
            "the long one runs to its deadline"
        );
    });
}

#[test]
fn a_long_query_gives_its_slot_back_to_the_short_ones() {
    let s = Served::start(&[
        "--query-timeout",
        "6",
        "--concurrent-queries",
        "1",
        "--long-queries",
        "1",
        "--queue-wait",
        "3",
        "--per-client",
        "100",
    ]);
    let rt = runtime();
    rt.block_on(async {
        let long = in_background(s.query_url(RUNAWAYS[0]));
        // Long after 0.5 s of CPU or 1 s in its slot, checked every 100 ms.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let start = Instant::now();
        let plain = client().get(s.query_url(PLAIN)).send().await.unwrap();
        let waited = start.elapsed();
        assert_eq!(plain.status(), 200, "{}", plain.text().await.unwrap());
        assert!(
            waited < Duration::from_secs(1),
            "{waited:?}: the short query waited for the long one's slot"
        );
        assert_eq!(metric(s.addr, "orgdir_evaluations_in_flight").await, 1.0);
        assert_eq!(
            long.await.unwrap(),
            503,
            "the long one runs to its deadline"
        );
    });
}

#[test]
fn a_query_past_its_memory_is_cancelled_and_the_memory_given_back() {
    let s = Served::start(&["--query-timeout", "60", "--query-memory", "64"]);
    let rt = runtime();
    rt.block_on(async {
        let start = Instant::now();
        let r = client().get(s.query_url(RUNAWAYS[1])).send().await.unwrap();
        assert_eq!(r.status(), 503);
        let body = r.text().await.unwrap();
        assert!(body.contains("more than 64 MiB of memory"), "{body}");
        assert!(start.elapsed() < Duration::from_secs(30));
        tokio::time::sleep(Duration::from_millis(500)).await;
        let rss = s.rss_mb();
        assert!(rss < 150.0, "{rss} MB resident after the cancelled query");
        assert_eq!(
            metric(s.addr, "orgdir_queries_cancelled_total{reason=\"memory\"}").await,
            1.0
        );
    });
}

#[test]
fn sigterm_with_runaway_queries_in_flight_ends_the_process() {
    let mut s = Served::start(&[
        "--query-timeout",
        "120",
        "--shutdown-grace",
        "1",
        "--per-client",
        "100",
    ]);
    let rt = runtime();
    let pending: Vec<_> = RUNAWAYS[..3]
        .iter()
        .map(|q| {
            let url = s.query_url(q);
            rt.spawn(async move { client().get(url).send().await.map(|r| r.status()) })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let signalled = Instant::now();
    s.signal("-TERM");
    let status = loop {
        if let Some(status) = s.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(6),
            "still running 6 s after SIGTERM: {}",
            s.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}: {}", s.log());
    std::thread::sleep(Duration::from_millis(100));
    let log = s.log();
    assert!(
        log.contains("INFO") && log.contains("shutting down"),
        "{log}"
    );
    assert!(log.contains("cancelling 3 running queries"), "{log}");
    assert!(
        !log.contains('\u{1b}'),
        "ANSI escapes in a log that is no terminal"
    );
    drop(pending);
}

#[test]
fn the_evaluation_limit_holds_while_cancelled_queries_wind_down() {
    let s = Served::start(&[
        "--query-timeout",
        "1",
        "--concurrent-queries",
        "2",
        "--long-queries",
        "1",
        "--queue-wait",
        "0.3",
        "--per-client",
        "100",
    ]);
    let rt = runtime();
    rt.block_on(async {
        let sent: Vec<_> = (0..6)
            .map(|i| {
                let url = s.query_url(RUNAWAYS[i % RUNAWAYS.len()]);
                tokio::spawn(async move {
                    let r = client().get(url).send().await.unwrap();
                    (
                        r.status().as_u16(),
                        r.headers().get("retry-after").is_some(),
                    )
                })
            })
            .collect();
        let mut most = 0.0f64;
        let until = Instant::now() + Duration::from_millis(1500);
        while Instant::now() < until {
            most = most.max(metric(s.addr, "orgdir_evaluations_in_flight").await);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(
            most <= 3.0,
            "{most} evaluations at once, limit 2 short + 1 long"
        );
        assert!(most >= 1.0, "the poll saw no evaluation at all");
        let mut busy = 0;
        for r in sent {
            let (status, retry_after) = r.await.unwrap();
            assert!(status == 503, "{status}");
            if retry_after {
                busy += 1;
            }
        }
        assert!(busy >= 1, "no request waited out the queue");
    });
}

#[test]
fn a_client_gets_its_share_and_then_429() {
    let s = Served::start(&[
        "--query-timeout",
        "1",
        "--per-client",
        "1",
        "--client-budget",
        "1.5",
    ]);
    let rt = runtime();
    rt.block_on(async {
        let first = in_background(s.query_url(RUNAWAYS[0]));
        tokio::time::sleep(Duration::from_millis(200)).await;
        let second = client().get(s.query_url(RUNAWAYS[2])).send().await.unwrap();
        assert_eq!(second.status(), 429);
        assert!(second.headers().get("retry-after").is_some());
        assert_eq!(first.await.unwrap(), 503);
        // 1 s spent of 1.5: one more runaway uses the rest, then 429.
        let third = client().get(s.query_url(RUNAWAYS[0])).send().await.unwrap();
        assert_eq!(third.status(), 503);
        let fourth = client().get(s.query_url(PLAIN)).send().await.unwrap();
        assert_eq!(fourth.status(), 429);
        let retry: u64 = fourth.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
        assert!(fourth.text().await.unwrap().contains("query time"));
        // Pages are not SPARQL evaluations: never refused.
        assert_eq!(client().get(s.url("/")).send().await.unwrap().status(), 200);
        // X-Forwarded-For is not trusted by default.
        let forwarded = client()
            .get(s.query_url(PLAIN))
            .header("x-forwarded-for", "203.0.113.9")
            .send()
            .await
            .unwrap();
        assert_eq!(forwarded.status(), 429);
    });
    // Behind a trusted proxy each forwarded address has its own share.
    drop(s);
    let t = Served::start(&[
        "--query-timeout",
        "0.3",
        "--client-budget",
        "0.2",
        "--trust-forwarded-for",
    ]);
    let from = |url: String, client_ip: String| async move {
        client()
            .get(url)
            .header("x-forwarded-for", format!("198.51.100.7, {client_ip}"))
            .send()
            .await
            .unwrap()
            .status()
    };
    rt.block_on(async {
        for i in 1..=3 {
            let spent = from(t.query_url(RUNAWAYS[0]), format!("203.0.113.{i}")).await;
            assert_eq!(spent, 503, "client {i} behind the proxy");
        }
        let again = from(t.query_url(PLAIN), "203.0.113.1".into()).await;
        assert_eq!(again, 429, "client 1 used its budget");
        let other = from(t.query_url(PLAIN), "203.0.113.4".into()).await;
        assert_eq!(other, 200, "client 4 has its own");
    });
}

#[test]
fn the_access_log_is_one_json_line_per_request() {
    let s = Served::start(&["--log-format", "json"]);
    let rt = runtime();
    rt.block_on(async {
        let r = client().get(s.query_url(PLAIN)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let health: serde_json::Value = client()
            .get(s.url("/health"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(health["status"], "ok");
        assert!(health["organizations"].as_u64().unwrap() > 0);
        assert_eq!(health["version"].as_str().unwrap().len(), 64);
    });
    std::thread::sleep(Duration::from_millis(200));
    let log = s.log();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let sparql = lines
        .iter()
        .find(|l| l["fields"]["path"] == "/sparql")
        .unwrap_or_else(|| panic!("no access line for /sparql in {log}"));
    assert_eq!(sparql["fields"]["method"], "GET");
    assert_eq!(sparql["fields"]["status"], 200);
    assert_eq!(sparql["fields"]["client"], "127.0.0.1");
    assert!(
        sparql["fields"]["bytes"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            > 0
    );
    assert!(lines.iter().any(|l| l["fields"]["path"] == "/health"));
}

#[test]
fn a_declared_body_over_the_limit_is_refused_before_it_is_sent() {
    let s = Served::start(&[]);
    let mut tcp = TcpStream::connect(s.addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        tcp,
        "POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n\
         Content-Length: 1000000000000\r\nExpect: 100-continue\r\n\r\n"
    )
    .unwrap();
    let mut answer = [0u8; 64];
    let n = tcp.read(&mut answer).unwrap();
    let head = String::from_utf8_lossy(&answer[..n]);
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
}

/// Query text that nests `n` levels, in each shape the parser, the
/// optimizer or the evaluator recurses on.
fn deep(shape: &str, n: usize) -> String {
    let r = |s: &str, n: usize| s.repeat(n);
    match shape {
        "parentheses" => format!("ASK {{ FILTER({}1{}) }}", r("(", n), r(")", n)),
        "groups" => format!("ASK {}{}", r("{", n), r("}", n)),
        "optional" => format!(
            "ASK {{ ?s ?p ?o {}{}}}",
            r("OPTIONAL { ?s ?p ?o ", n),
            r("}", n)
        ),
        "subselect" => format!(
            "SELECT * WHERE {}{{ ?s ?p ?o }}{}",
            r("{ SELECT * WHERE ", n),
            r("}", n)
        ),
        "concat" => format!(
            "SELECT ({}'a'{} AS ?x) WHERE {{}}",
            r("CONCAT(", n),
            r(",'b')", n)
        ),
        "exists" => format!("ASK {{ {}{}}}", r("FILTER EXISTS { ", n), r("}", n)),
        "union" => format!("ASK {{ {}{{ ?s ?p ?o }} }}", r("{ ?s ?p ?o } UNION ", n)),
        "plus" => format!("ASK {{ FILTER(1{}) }}", r("+1", n)),
        "or" => format!("ASK {{ FILTER(?a{}) }}", r("||?a", n)),
        "not" => format!("ASK {{ FILTER({}true) }}", r("!", n)),
        "path" => format!("ASK {{ ?s <http://x/p>{} ?o }}", r("/<http://x/p>", n)),
        "alternatives" => format!("ASK {{ ?s <http://x/p>{} ?o }}", r("|<http://x/p>", n)),
        "triples" => format!(
            "ASK {{ {} }}",
            (0..n)
                .map(|i| format!("?s <http://x/{i}> ?o{i} ."))
                .collect::<String>()
        ),
        "in" => format!(
            "ASK {{ ?s ?p ?o FILTER(?o IN ({})) }}",
            (0..n).map(|i| i.to_string()).collect::<Vec<_>>().join(",")
        ),
        "binds" => format!(
            "SELECT * WHERE {{ BIND(1 AS ?v0) {} }}",
            (0..n)
                .map(|i| format!("BIND(?v{i}+1 AS ?v{})", i + 1))
                .collect::<String>()
        ),
        other => panic!("no shape {other}"),
    }
}

const SHAPES: &[&str] = &[
    "parentheses",
    "groups",
    "optional",
    "subselect",
    "concat",
    "exists",
    "union",
    "plus",
    "or",
    "not",
    "path",
    "alternatives",
    "triples",
    "in",
    "binds",
];

async fn post_query(state: &Arc<orgdir::server::AppState>, text: String) -> common::Answer {
    let request = axum::http::Request::post("/sparql")
        .header("content-type", "application/sparql-query")
        .header("accept", "application/sparql-results+json")
        .body(axum::body::Body::from(text))
        .unwrap();
    common::send(state, request).await
}

#[tokio::test]
async fn deep_queries_are_answered_or_refused_at_every_depth_up_to_the_body_limit() {
    use orgdir::server::guard::{MAX_DEPTH, MAX_NESTING};
    let s = common::state(orgdir::server::Limits {
        query_timeout: Duration::from_secs(2),
        ..Default::default()
    });
    let max_body = s.limits.max_body;
    for shape in SHAPES {
        // Just inside the limits: evaluated (or timed out), never a crash.
        let n = MAX_NESTING - 4;
        let inside = post_query(&s, deep(shape, n)).await;
        assert!(
            inside.status == 200 || inside.status == 503,
            "{shape} at {n}: {} {}",
            inside.status,
            inside.body
        );
        // Past them, and as deep as the body limit allows: 400 with a reason.
        for n in [MAX_DEPTH + 10, 5_000, 50_000, 400_000] {
            let text = deep(shape, n);
            if text.len() > max_body {
                continue;
            }
            let past = post_query(&s, text).await;
            assert_eq!(past.status, 400, "{shape} at {n}: {}", past.body);
            assert!(past.body.contains("deep"), "{shape} at {n}: {}", past.body);
        }
    }
}

#[tokio::test]
async fn service_is_refused_and_no_connection_is_made() {
    use orgdir::server::guard::Federation;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let target = listener.local_addr().unwrap();
    let query =
        |host: &str| format!("SELECT * WHERE {{ SERVICE <http://{host}/sparql> {{ ?s ?p ?o }} }}");
    let off = common::state(orgdir::server::Limits::default());
    let r = post_query(&off, query(&target.to_string())).await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("federation is off"), "{}", r.body);
    let on = common::state(orgdir::server::Limits {
        federation: Federation::On,
        ..Default::default()
    });
    let port = target.port();
    for host in [
        format!("127.0.0.1:{port}"),
        format!("127.1:{port}"),
        format!("2130706433:{port}"),
        format!("0x7f000001:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        format!("[::ffff:127.0.0.1]:{port}"),
        format!("[::127.0.0.1]:{port}"),
    ] {
        let r = post_query(&on, query(&host)).await;
        assert_ne!(r.status, 200, "{host}: {}", r.body);
        assert!(
            r.body.contains("private or local address"),
            "{host}: {}",
            r.body
        );
    }
    assert!(
        listener.accept().is_err(),
        "the server connected to the address a query named"
    );
}

#[test]
fn service_with_allow_private_asks_the_remote_endpoint() {
    use axum::routing::post;
    use orgdir::server::guard::Federation;
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let app = axum::Router::new().route(
        "/sparql",
        post({
            let seen = Arc::clone(&seen);
            move |body: String| async move {
                seen.lock().unwrap().push(body);
                (
                    [("content-type", "application/sparql-results+json")],
                    r#"{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"remote"}}]}}"#,
                )
            }
        }),
    );
    let (addr, _runtime) = common::mock(app);
    let state = common::state(orgdir::server::Limits {
        federation: Federation::On,
        allow_private: true,
        ..Default::default()
    });
    let r = runtime().block_on(post_query(
        &state,
        format!("SELECT ?x WHERE {{ SERVICE <http://{addr}/sparql> {{ ?x ?p ?o }} }}"),
    ));
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("remote"), "{}", r.body);
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert!(seen.lock().unwrap()[0].contains("SELECT"));
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    const TOKENS: &[&str] = &[
        "SELECT",
        "ASK",
        "CONSTRUCT",
        "DESCRIBE",
        "*",
        "WHERE",
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        "?x",
        "?y",
        "$z",
        "_:b",
        "<http://a/>",
        "<>",
        "\"s\"",
        "'t'",
        "\"\"\"",
        "'''",
        "UNION",
        "OPTIONAL",
        "MINUS",
        "FILTER",
        "EXISTS",
        "NOT",
        "SERVICE",
        "SILENT",
        "GRAPH",
        "BIND",
        "AS",
        "VALUES",
        "UNDEF",
        "GROUP BY",
        "ORDER BY",
        "HAVING",
        "LIMIT",
        "OFFSET",
        "COUNT(",
        "CONCAT(",
        "REGEX(",
        "IN",
        "!",
        "+",
        "-",
        "||",
        "&&",
        "=",
        "!=",
        "<",
        ">",
        "/",
        "|",
        "^",
        "?",
        ".",
        ";",
        ",",
        "1",
        "1.5e3",
        "true",
        "a",
        "<<",
        ">>",
        "<<(",
        ")>>",
        "#",
        "\\",
        "\u{0}",
        "ä",
        "\u{202e}",
        "\n",
        "PREFIX p: <http://p/>",
        "p:x",
        "LOAD",
        "INSERT",
    ];

    fn query() -> impl Strategy<Value = String> {
        // Runs of one token make depth; mixed runs make odd syntax.
        prop::collection::vec((prop::sample::select(TOKENS), 1usize..600), 0..40).prop_map(|runs| {
            runs.into_iter()
                .map(|(t, n)| format!("{t} ").repeat(n.min(if n > 300 { n } else { 3 })))
                .collect()
        })
    }

    fn path() -> impl Strategy<Value = String> {
        let parts = prop::sample::select(
            &[
                "",
                "sparql",
                "queries",
                "dumps",
                "releases",
                "latest",
                "changes",
                "static",
                "org",
                "place",
                "category",
                "health",
                "metrics",
                "..",
                ".",
                "%2e%2e",
                "%0d%0a",
                "%00",
                "%ff",
                "x.ttl",
                "x.jsonld",
                "a%2Fb",
                "~",
                "%",
                "%%",
                "\u{e9}",
                ".well-known",
                "void",
                "orgs.nt",
                "orgs.nt.gz",
            ][..],
        );
        prop::collection::vec(parts, 0..6).prop_map(|p| format!("/{}", p.join("/")))
    }

    fn accept() -> impl Strategy<Value = &'static str> {
        prop::sample::select(
            &[
                "*/*",
                "text/html",
                "application/sparql-results+json",
                "text/turtle;q=0.5, application/ld+json",
                "garbage/;;;q=x",
                "",
            ][..],
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 300,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn no_query_text_crashes_the_server_or_answers_500(text in query(), accept in accept()) {
            let state = common::state(orgdir::server::Limits {
                query_timeout: Duration::from_millis(300),
                ..Default::default()
            });
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let get = format!("/sparql?{}", common::encode(&text));
            // A GET too long for a URI is no request at all.
            let get = axum::http::Request::get(get).header("accept", accept).body(axum::body::Body::empty()).ok();
            for request in get.into_iter().chain([
                axum::http::Request::post("/sparql")
                    .header("content-type", "application/sparql-query")
                    .header("accept", accept)
                    .body(axum::body::Body::from(text.clone()))
                    .unwrap(),
            ]) {
                let answer = rt.block_on(common::send(&state, request));
                prop_assert!(answer.status != 500, "{text:?}: {}", answer.body);
            }
        }

        #[test]
        fn no_path_crashes_the_router_or_answers_500(path in path(), accept in accept(), query in "[a-z=&%0-9]{0,12}") {
            let state = common::state(orgdir::server::Limits::default());
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let uri = if query.is_empty() { path.clone() } else { format!("{path}?{query}") };
            let Ok(request) = axum::http::Request::get(uri.as_str())
                .header("accept", accept)
                .body(axum::body::Body::empty()) else {
                return Ok(());
            };
            let answer = rt.block_on(common::send(&state, request));
            prop_assert!(answer.status != 500, "{uri}: {}", answer.body);
        }
    }
}

/// SPARQLWrapper and rdflib (PyPI), the clients catalogers run, against the
/// binary: every return format of every query form, with and without
/// `setOnlyConneg`. `.ci/run` installs them and runs it with `--ignored`.
#[test]
#[ignore = "needs SPARQLWrapper and rdflib: pip install SPARQLWrapper==2.0.0 rdflib==7.6.0"]
fn sparqlwrapper_and_rdflib_get_every_format() {
    let s = Served::start(&[]);
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clients/sparqlwrapper_check.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(s.url("/sparql"))
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        report.contains("0 failed") && report.matches("\nok ").count() >= 30,
        "{report}"
    );
}

#[tokio::test]
async fn every_negotiated_answer_varies_by_accept() {
    let s = common::state_with_dumps();
    for (path, accept) in [
        ("/sparql", "text/html"),
        ("/sparql", "text/turtle"),
        ("/queries", "text/html"),
        ("/queries", "application/json"),
        ("/dumps/", "text/html"),
        ("/dumps/", "application/json"),
        ("/", "text/html"),
    ] {
        let a = common::send(&s, common::get(path, Some(accept))).await;
        assert_eq!(a.status, 200, "{path} {accept}");
        let vary = a
            .headers
            .get("vary")
            .map(|v| v.to_str().unwrap().to_owned());
        assert!(
            vary.as_deref().is_some_and(|v| v.contains("Accept")),
            "{path} as {accept}: Vary {vary:?}"
        );
    }
    let named = common::send(&s, common::get("/queries", Some("application/json"))).await;
    let first: serde_json::Value = serde_json::from_str(&named.body).unwrap();
    let name = first[0]["name"].as_str().unwrap();
    let page = common::send(
        &s,
        common::get(&format!("/queries/{name}"), Some("text/html")),
    )
    .await;
    assert!(page.headers["vary"].to_str().unwrap().contains("Accept"));
}

/// The valid fixture copied into a temporary directory, with `from`
/// replaced by `to` in its file `file`, served.
fn edited_state(
    file: &str,
    from: &str,
    to: &str,
) -> (tempfile::TempDir, Arc<orgdir::server::AppState>) {
    let edit = |name: &str, text: String| {
        if name == file {
            assert!(text.contains(from), "{file} has no `{from}`");
            text.replace(from, to)
        } else {
            text
        }
    };
    fn copy(from: &std::path::Path, to: &std::path::Path, edit: &dyn Fn(&str, String) -> String) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target, edit);
            } else {
                let name = entry.file_name().to_string_lossy().into_owned();
                let text = std::fs::read_to_string(entry.path()).unwrap();
                std::fs::write(target, edit(&name, text)).unwrap();
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    copy(&common::fixtures().join("valid/data"), dir.path(), &edit);
    let source = orgdir::source::load(dir.path(), orgdir::source::Limits::default()).unwrap();
    let snapshot = orgdir::store::load(&source, Vec::new()).unwrap();
    let state = Arc::new(orgdir::server::AppState::new(
        snapshot,
        orgdir::server::Limits::default(),
    ));
    (dir, state)
}

/// Every `href` of an HTML page.
fn hrefs(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let links = scraper::Selector::parse("[href]").unwrap();
    doc.select(&links)
        .map(|e| e.value().attr("href").unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn pages_link_only_to_web_pages_and_carry_a_content_security_policy() {
    let (_dir, s) = edited_state(
        "orgs.yaml",
        "    - http://www.wikidata.org/entity/Q1",
        "    - http://www.wikidata.org/entity/Q1\n    - javascript:alert(1)\n    - urn:isbn:0451450523",
    );
    let page = common::send(&s, common::get("/org/parent", Some("text/html"))).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let links = hrefs(&page.body);
    assert!(
        links
            .iter()
            .any(|h| h == "http://www.wikidata.org/entity/Q1")
    );
    assert!(page.body.contains("urn:isbn:0451450523"), "shown as text");
    assert!(page.body.contains("javascript:alert(1)"), "shown as text");
    for h in &links {
        assert!(
            h.starts_with('/')
                || h.starts_with("http://")
                || h.starts_with("https://")
                || h.starts_with("mailto:"),
            "a page links to {h}"
        );
    }
    // The query page links IRIs of results the same way.
    let crafted = "SELECT ?x WHERE { VALUES ?x { <javascript:alert(document.domain)> <http://ok.example/> } }";
    let results = common::send(
        &s,
        common::get(
            &format!("/sparql?{}", common::encode(crafted)),
            Some("text/html"),
        ),
    )
    .await;
    assert_eq!(results.status, 200, "{}", results.body);
    let links = hrefs(&results.body);
    assert!(links.iter().any(|h| h == "http://ok.example/"), "{links:?}");
    assert!(
        !links
            .iter()
            .any(|h| h.to_ascii_lowercase().starts_with("javascript:"))
    );
    // Every page, the query page and the error pages carry the policy.
    for path in ["/", "/org/parent", "/sparql", "/queries", "/no/such/page"] {
        let a = common::send(&s, common::get(path, Some("text/html"))).await;
        assert!(
            a.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        let csp = a
            .headers
            .get("content-security-policy")
            .map(|v| v.to_str().unwrap());
        assert_eq!(csp, Some(orgdir::server::CSP), "{path}");
        assert_eq!(a.headers["x-content-type-options"], "nosniff", "{path}");
        assert!(a.headers.get("referrer-policy").is_some(), "{path}");
        assert!(
            !a.body.contains(" onclick=") && !a.body.contains(" style="),
            "{path}"
        );
        let doc = scraper::Html::parse_document(&a.body);
        let scripts = scraper::Selector::parse("script").unwrap();
        for script in doc.select(&scripts) {
            let v = script.value();
            let data = matches!(
                v.attr("type"),
                Some("application/ld+json" | "application/json")
            );
            assert!(
                data || v.attr("src").is_some_and(|s| s.starts_with("/static/")),
                "{path}: an inline script"
            );
        }
    }
}

#[tokio::test]
async fn pages_are_served_at_their_iris_own_path_under_the_base() {
    let (_dir, s) = edited_state(
        "dataset.yaml",
        "base: https://data.example.org/",
        "base: https://data.example.org/x/",
    );
    let page = common::send(&s, common::get("/x/org/parent", Some("text/html"))).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let triples = common::send(&s, common::get("/x/org/parent.nt", None)).await;
    assert_eq!(triples.status, 200);
    assert!(
        triples
            .body
            .contains("<https://data.example.org/x/org/parent>")
    );
    assert_eq!(
        common::send(&s, common::get("/org/parent", None))
            .await
            .status,
        404
    );
    let directory = common::send(&s, common::get("/", Some("text/html"))).await;
    let links = hrefs(&directory.body);
    assert!(links.iter().any(|h| h == "/x/org/parent"), "{links:?}");
    assert!(!links.iter().any(|h| h.starts_with("/org/")), "{links:?}");
}

#[tokio::test]
async fn a_host_header_cannot_add_triples_to_the_service_description() {
    let s = common::state(orgdir::server::Limits::default());
    let request = axum::http::Request::get("/sparql")
        .header("accept", "application/n-triples")
        .header("host", "evil> <http://x/p> <http://x/o> . <http://x/s")
        .body(axum::body::Body::empty())
        .unwrap();
    let a = common::send(&s, request).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(!a.body.contains("http://x/"), "{}", a.body);
    assert!(a.body.contains("<http://localhost/sparql>"), "{}", a.body);
    let good = axum::http::Request::get("/sparql")
        .header("accept", "application/n-triples")
        .header("host", "data.example.org:8080")
        .body(axum::body::Body::empty())
        .unwrap();
    let a = common::send(&s, good).await;
    assert!(
        a.body.contains("<http://data.example.org:8080/sparql>"),
        "{}",
        a.body
    );
}

fn real_server(limits: orgdir::server::Limits) -> common::RealServer {
    common::RealServer::start(common::state(limits))
}

/// Reads until the server closes, for at most `within`; the bytes read, or
/// `None` if it was still open then.
fn read_to_close(tcp: &mut TcpStream, within: Duration) -> Option<usize> {
    let until = Instant::now() + within;
    let mut total = 0;
    let mut buf = [0u8; 65536];
    while Instant::now() < until {
        tcp.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        match tcp.read(&mut buf) {
            Ok(0) => return Some(total),
            Ok(n) => total += n,
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return Some(total),
        }
    }
    None
}

#[test]
fn an_idle_http2_connection_is_closed() {
    let _turn = turn();
    let server = real_server(orgdir::server::Limits {
        header_timeout: Duration::from_secs(1),
        ..Default::default()
    });
    let mut tcp = TcpStream::connect(server.addr).unwrap();
    // The HTTP/2 preface and an empty SETTINGS frame, then nothing.
    tcp.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        .unwrap();
    let opened = Instant::now();
    let read = read_to_close(&mut tcp, Duration::from_secs(6));
    assert!(
        read.is_some(),
        "an idle HTTP/2 connection was still open after 6 s"
    );
    assert!(read.unwrap() > 0, "no SETTINGS or GOAWAY from the server");
    assert!(
        opened.elapsed() >= Duration::from_millis(900),
        "closed before it was idle"
    );
    server.stop();
}

#[test]
fn a_client_that_stops_reading_is_dropped() {
    let _turn = turn();
    let server = real_server(orgdir::server::Limits {
        write_timeout: Duration::from_secs(1),
        ..Default::default()
    });
    let rt = runtime();
    let dropped = || rt.block_on(metric(server.addr, "orgdir_connections_dropped_total"));
    let before = dropped();
    // An answer of some 20 MB, more than the socket buffers of both ends hold.
    let mut tcp = TcpStream::connect(server.addr).unwrap();
    let big = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } LIMIT 100000";
    write!(
        tcp,
        "GET /sparql?{} HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\n\r\n",
        common::encode(big)
    )
    .unwrap();
    // The client reads nothing until the server says (in /metrics) that it
    // dropped it, which its 1 s write timeout does once the answer fills the
    // buffers; then what it reads ends early. No fixed sleep: a loaded
    // machine only makes the wait longer.
    let until = Instant::now() + Duration::from_secs(120);
    while dropped() <= before {
        assert!(Instant::now() < until, "the client was never dropped");
        std::thread::sleep(Duration::from_millis(100));
    }
    let read = read_to_close(&mut tcp, Duration::from_secs(5));
    let read = read.expect("the connection was still open");
    assert!(read < 15_000_000, "{read} bytes: the whole answer was sent");
    server.stop();
}

#[test]
fn connections_past_the_cap_wait_without_harming_those_served() {
    let _turn = turn();
    let server = real_server(orgdir::server::Limits {
        max_connections: 4,
        ..Default::default()
    });
    let ask = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
    let answered = |tcp: &mut TcpStream, within: Duration| {
        // The whole (small) answer, so the next one starts afresh.
        tcp.set_read_timeout(Some(within)).unwrap();
        let mut buf = [0u8; 8192];
        matches!(tcp.read(&mut buf), Ok(n) if n > 0 && buf.starts_with(b"HTTP/1.1 200"))
    };
    let mut held: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut t = TcpStream::connect(server.addr).unwrap();
            t.write_all(ask.as_bytes()).unwrap();
            t
        })
        .collect();
    for t in &mut held {
        assert!(answered(t, Duration::from_secs(2)), "a served connection");
    }
    let mut fifth = TcpStream::connect(server.addr).unwrap();
    fifth.write_all(ask.as_bytes()).unwrap();
    assert!(
        !answered(&mut fifth, Duration::from_millis(700)),
        "the cap did not hold"
    );
    // The four are still served.
    held[0].write_all(ask.as_bytes()).unwrap();
    assert!(
        answered(&mut held[0], Duration::from_secs(2)),
        "a served connection, again"
    );
    drop(held.remove(1));
    assert!(
        answered(&mut fifth, Duration::from_secs(3)),
        "the waiting connection was never served"
    );
    server.stop();
}

#[test]
fn health_is_503_while_the_data_loads_and_200_once_it_is_served() {
    let _turn = turn();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    orgdir::synth::write(
        &data,
        &orgdir::synth::SynthOptions {
            records: 5_000,
            ..Default::default()
        },
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .arg("--data")
        .arg(&data)
        .args(["serve", "--addr", "127.0.0.1:0", "--queries"])
        .arg(dir.path().join("no-queries"))
        .env("ORGDIR_CACHE_DIR", "")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr: SocketAddr = first
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("{first}"))
        .parse()
        .unwrap();
    let rt = runtime();
    rt.block_on(async {
        let health = client()
            .get(format!("http://{addr}/health"))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), 503, "answered before the data was loaded");
        assert!(health.headers().get("retry-after").is_some());
        let body: serde_json::Value = health.json().await.unwrap();
        assert_eq!(body["status"], "loading");
        let page = client()
            .get(format!("http://{addr}/"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 503);
    });
    // Then the data is served.
    let serving = lines
        .by_ref()
        .map(|l| l.unwrap())
        .find(|l| l.contains("serving"))
        .expect("the server never served");
    assert!(serving.contains(&addr.to_string()), "{serving}");
    rt.block_on(async {
        let health = client()
            .get(format!("http://{addr}/health"))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), 200);
        let body: serde_json::Value = health.json().await.unwrap();
        assert_eq!(body["organizations"], 5_000);
    });
    let _ = child.kill();
    let _ = child.wait();
}

/// The `<loc>`s of a sitemap, sorted.
fn locations(sitemap: &str) -> Vec<String> {
    let mut locs: Vec<String> = sitemap
        .split("<loc>")
        .skip(1)
        .map(|l| l.split("</loc>").next().unwrap().to_owned())
        .collect();
    locs.sort();
    locs
}

#[test]
fn served_without_search_there_is_no_index_search_or_reconciliation_but_the_rest() {
    let rt = runtime();
    let with = Served::start(&[]);
    let sitemap = rt.block_on(async {
        let r = client().get(with.url("/sitemap.xml")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        r.text().await.unwrap()
    });
    assert!(with.stderr.lock().unwrap().contains("name index ready"));
    drop(with);

    let without = Served::start(&["--no-search"]);
    let log = without.stderr.lock().unwrap().clone();
    assert!(!log.contains("name index"), "an index was built: {log}");
    rt.block_on(async {
        for path in [
            "/search?q=American+Library+Association",
            "/suggest?prefix=Amer",
            "/reconcile",
            "/reconcile?queries=%7B%22q0%22%3A%7B%22query%22%3A%22ALA%22%7D%7D",
            "/reconcile/suggest/type?prefix=Org",
            "/reconcile/properties?type=Organization",
        ] {
            let r = client().get(without.url(path)).send().await.unwrap();
            assert_eq!(r.status(), 404, "{path}");
        }
        let page = client()
            .get(without.url("/"))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let page = page.text().await.unwrap();
        assert!(page.contains("<main>"), "{page}");
        assert!(!page.contains("role=\"search\""), "a search box: {page}");
        assert!(!page.contains("suggest.js"), "typeahead: {page}");
        let r = client()
            .get(without.url("/sitemap.xml"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let without_search = r.text().await.unwrap();
        assert!(locations(&sitemap).len() > 2, "{sitemap}");
        assert_eq!(locations(&without_search), locations(&sitemap));
        let r = client()
            .get(without.query_url(PLAIN))
            .header("accept", "application/sparql-results+json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    });
}
