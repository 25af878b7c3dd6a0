//! The address guard for every request orgdir makes on someone else's word:
//! the link checker's (a URL in the data) and the endpoint's `SERVICE` (a URL
//! in a query anyone can send).
//!
//! Loopback, private, link-local and other non-public addresses are refused
//! in every spelling. An IP literal is checked as the URL parser normalized it
//! (`127.1`, `2130706433`, `0x7f000001` are all 127.0.0.1; `[::ffff:7f00:1]`
//! and `[::127.0.0.1]` are IPv4 in IPv6). A name is resolved by
//! [`Resolver`], which hands the HTTP client only the public addresses it
//! found: the client connects to exactly the addresses checked, with no second
//! lookup, so a name that answers first with a public and then with a
//! loopback address (DNS rebinding) cannot pass.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// A refused address, recognisable among an error's causes.
#[derive(Debug, thiserror::Error)]
#[error("{host} is a private or local address ({ip}); --allow-private allows it")]
pub struct Refused {
    pub host: String,
    pub ip: IpAddr,
}

/// Whether `ip` is an address of the public internet.
pub fn is_public(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(v4: &Ipv4Addr) -> bool {
    let [a, b, c, _] = v4.octets();
    !(v4.is_private()
        || v4.is_loopback()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_documentation()
        || v4.is_multicast()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (18..20).contains(&b)))
}

fn is_public_v6(v6: &Ipv6Addr) -> bool {
    let s = v6.segments();
    // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d, deprecated
    // but still routed to the IPv4 address by some stacks), NAT64
    // (64:ff9b::a.b.c.d) and 6to4 (2002:AABB:CCDD::) carry an IPv4 address.
    let embedded =
        |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if let Some(v4) = v6.to_ipv4_mapped() {
        return is_public_v4(&v4);
    }
    if s[..6] == [0; 6] {
        return !v6.is_loopback() && !v6.is_unspecified() && is_public_v4(&embedded(s[6], s[7]));
    }
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0; 4] {
        return is_public_v4(&embedded(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return is_public_v4(&embedded(s[1], s[2]));
    }
    !(v6.is_loopback()
        || v6.is_unspecified()
        || v6.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00
        || (s[0] & 0xffc0) == 0xfe80
        || (s[0] & 0xffc0) == 0xfec0
        || (s[0] == 0x2001 && s[1] == 0x0db8)
        || (s[0] == 0x0100 && s[1..4] == [0; 3]))
}

/// Checks the host of `url` when it is an IP literal. Names are checked
/// when they are resolved, by [`Resolver`].
pub fn check_literal(url: &Url) -> Result<(), Refused> {
    let ip = match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
        _ => return Ok(()),
    };
    if is_public(&ip) {
        Ok(())
    } else {
        Err(Refused {
            host: url.host_str().unwrap_or_default().to_owned(),
            ip,
        })
    }
}

/// Resolves names to their public addresses only.
#[derive(Clone, Default)]
pub struct Resolver {
    /// For tests: a lookup and a notion of "public" of their own (a name
    /// that rebinds, with loopback addresses standing for public ones).
    #[cfg(test)]
    fake: Option<tests::Fake>,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Resolver")
    }
}

impl Resolve for Resolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        #[cfg(test)]
        let fake = self.fake.clone();
        Box::pin(async move {
            #[cfg(test)]
            if let Some(fake) = fake {
                return fake.resolve(host);
            }
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            checked(host, found, is_public)
        })
    }
}

/// The addresses `host` resolved to, if every one is public: the client
/// connects to exactly these (one lookup, no second one to rebind).
fn checked(
    host: String,
    found: Vec<SocketAddr>,
    public: fn(&IpAddr) -> bool,
) -> Result<Addrs, Box<dyn std::error::Error + Send + Sync>> {
    if let Some(private) = found.iter().find(|a| !public(&a.ip())) {
        return Err(Box::new(Refused {
            host,
            ip: private.ip(),
        }));
    }
    Ok(Box::new(found.into_iter()))
}

/// A client builder whose connections pass the guard (unless
/// `allow_private`), with no proxy from the environment: a proxy would make
/// the connection, and the guard would check the proxy's address instead.
pub fn client_builder(allow_private: bool) -> reqwest::ClientBuilder {
    let builder = reqwest::Client::builder().no_proxy();
    if allow_private {
        builder
    } else {
        builder.dns_resolver(Arc::new(Resolver::default()))
    }
}

/// The refusal among the causes of `e`, if the guard refused it.
pub fn refusal<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a Refused> {
    let mut source = Some(e);
    while let Some(s) = source {
        if let Some(r) = s.downcast_ref::<Refused>() {
            return Some(r);
        }
        source = s.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A name that answers each lookup with the next of its answers.
    #[derive(Clone)]
    pub struct Fake {
        answers: Arc<Mutex<Vec<Vec<SocketAddr>>>>,
        pub lookups: Arc<AtomicUsize>,
    }

    impl Fake {
        pub fn resolve(
            &self,
            host: String,
        ) -> Result<Addrs, Box<dyn std::error::Error + Send + Sync>> {
            self.lookups.fetch_add(1, Ordering::SeqCst);
            let mut answers = self.answers.lock().unwrap();
            let next = if answers.len() > 1 {
                answers.remove(0)
            } else {
                answers[0].clone()
            };
            // 127.0.0.2 stands for a public address: tests send traffic to
            // loopback only.
            checked(host, next, |ip| {
                *ip == IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))
            })
        }
    }

    /// A mock on `ip`:`port` that counts the requests it gets.
    async fn mock(ip: [u8; 4], port: u16) -> (SocketAddr, Arc<AtomicUsize>) {
        let hits = Arc::new(AtomicUsize::new(0));
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::from(ip), port))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let counted = Arc::clone(&hits);
        let app = axum::Router::new().fallback(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            async { "hello" }
        });
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (addr, hits)
    }

    #[tokio::test]
    async fn a_name_that_rebinds_to_a_private_address_never_reaches_it() {
        // Both on one port: the client connects to the answer's address at
        // the URL's port.
        let (public, public_hits) = mock([127, 0, 0, 2], 0).await;
        let (private, private_hits) = mock([127, 0, 0, 1], public.port()).await;
        // The rebinding name: public at the first lookup, private after.
        let fake = Fake {
            answers: Arc::new(Mutex::new(vec![vec![public], vec![private]])),
            lookups: Arc::default(),
        };
        let resolver = Resolver {
            fake: Some(fake.clone()),
        };
        let client = reqwest::Client::builder()
            .no_proxy()
            .pool_max_idle_per_host(0)
            .dns_resolver(Arc::new(resolver))
            .build()
            .unwrap();
        // A guard that checked the name and let the client look it up again
        // would connect to the private address the second time.
        let url = format!("http://rebinding.test:{}/", public.port());
        let first = client.get(&url).send().await.unwrap();
        assert_eq!(first.text().await.unwrap(), "hello");
        for _ in 0..3 {
            let e = client.get(&url).send().await.unwrap_err();
            let refused = refusal(&e).unwrap_or_else(|| panic!("{e:?}"));
            assert_eq!(refused.ip, private.ip());
        }
        assert_eq!(public_hits.load(Ordering::SeqCst), 1);
        assert_eq!(private_hits.load(Ordering::SeqCst), 0);
        // One lookup per connection: the one that was checked.
        assert_eq!(fake.lookups.load(Ordering::SeqCst), 4);
    }

    #[test]
    fn every_spelling_of_a_private_address_is_refused() {
        for url in [
            "http://127.0.0.1/",
            "http://127.1/",
            "http://2130706433/",
            "http://0x7f000001/",
            "http://0177.0.0.1/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://[::127.0.0.1]/",
            "http://[64:ff9b::10.0.0.1]/",
            "http://[2002:c0a8:0101::]/",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.1.1/",
            "http://169.254.169.254/",
            "http://[fe80::1]/",
            "http://[fd00::1]/",
            "http://0.0.0.0/",
            "http://100.64.0.1/",
        ] {
            let parsed = Url::parse(url).unwrap();
            assert!(check_literal(&parsed).is_err(), "{url} passed");
        }
        for url in [
            "http://93.184.216.34/",
            "http://[2606:4700::1111]/",
            "http://example.org/",
        ] {
            check_literal(&Url::parse(url).unwrap()).unwrap();
        }
    }

    #[tokio::test]
    async fn names_resolving_to_loopback_are_refused() {
        let client = client_builder(false).build().unwrap();
        for url in ["http://localhost:9/", "http://LocalHost/"] {
            let e = client.get(url).send().await.unwrap_err();
            let refused = refusal(&e).unwrap_or_else(|| panic!("{url}: {e:?}"));
            assert!(!is_public(&refused.ip));
        }
    }
}
