//! The client's IP address for rate limiting and the metrics allowlist. `X-Forwarded-For` is
//! believed only when the connection comes from a configured trusted proxy (Traefik),
//! otherwise anyone could pick the address they are limited under.

use std::net::IpAddr;

use ipnet::IpNet;

/// Networks whose forwarding headers are trusted.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses CIDRs (a bare address means a single host).
    pub fn parse(cidrs: &[String]) -> anyhow::Result<TrustedProxies> {
        cidrs
            .iter()
            .map(|c| parse_net(c))
            .collect::<anyhow::Result<Vec<_>>>()
            .map(TrustedProxies)
    }

    fn contains(&self, ip: &IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    /// The client address: the peer, or, behind trusted proxies, the right-most address in
    /// `X-Forwarded-For` that is not itself a trusted proxy.
    pub fn client_ip(&self, peer: Option<IpAddr>, forwarded_for: Option<&str>) -> Option<IpAddr> {
        let peer = peer?;
        if !self.contains(&peer) {
            return Some(peer);
        }
        let mut client = peer;
        if let Some(list) = forwarded_for {
            for hop in list.rsplit(',') {
                match hop.trim().parse::<IpAddr>() {
                    Ok(ip) if self.contains(&ip) => client = ip,
                    Ok(ip) => return Some(ip),
                    Err(_) => break,
                }
            }
        }
        Some(client)
    }
}

/// A CIDR or a single address.
pub fn parse_net(text: &str) -> anyhow::Result<IpNet> {
    let text = text.trim();
    if let Ok(net) = text.parse::<IpNet>() {
        return Ok(net);
    }
    text.parse::<IpAddr>()
        .map(IpNet::from)
        .map_err(|_| anyhow::anyhow!("`{text}` is not an IP network (CIDR) or address"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_only_from_trusted_proxies() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8".to_owned()]).expect("cidr");
        let client: IpAddr = "203.0.113.7".parse().expect("ip");
        let proxy: IpAddr = "10.1.2.3".parse().expect("ip");
        assert_eq!(
            proxies.client_ip(Some(client), Some("1.2.3.4")),
            Some(client),
            "spoofed header ignored"
        );
        assert_eq!(
            proxies.client_ip(Some(proxy), Some("198.51.100.1, 203.0.113.7, 10.9.9.9")),
            Some(client)
        );
        assert_eq!(proxies.client_ip(Some(proxy), None), Some(proxy));
        assert!(parse_net("127.0.0.1").is_ok() && parse_net("nonsense").is_err());
    }
}
