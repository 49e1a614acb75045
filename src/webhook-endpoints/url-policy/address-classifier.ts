import * as ipaddr from 'ipaddr.js';

/**
 * What an outbound webhook may dial. `private` and `loopback` are let through only with
 * WEBHOOK_ALLOW_PRIVATE_URLS=true; `metadata` and `forbidden` never are.
 */
export type AddressClass = 'public' | 'private' | 'loopback' | 'metadata' | 'forbidden';

type IPv4 = ipaddr.IPv4;
type IPv6 = ipaddr.IPv6;

/** Transition forms carry an IPv4 address inside; the extractor returns every candidate. */
type Embedded = (address: IPv6) => IPv4[];
type Rule<T> = { range: [T, number]; verdict: AddressClass | Embedded };

const v4Rule = (cidr: string, verdict: AddressClass): Rule<IPv4> => ({
  range: ipaddr.IPv4.parseCIDR(cidr),
  verdict,
});
const v6Rule = (cidr: string, verdict: AddressClass | Embedded): Rule<IPv6> => ({
  range: ipaddr.IPv6.parseCIDR(cidr),
  verdict,
});

// First match wins, so the single metadata addresses come before the ranges that contain them.
const IPV4_RULES: readonly Rule<IPv4>[] = [
  v4Rule('169.254.169.254/32', 'metadata'), // AWS, GCP, Azure, OCI instance metadata
  v4Rule('169.254.170.2/32', 'metadata'), // AWS ECS task credentials
  v4Rule('169.254.170.23/32', 'metadata'), // AWS EKS Pod Identity credentials
  v4Rule('100.100.100.200/32', 'metadata'), // Alibaba Cloud metadata (inside CGNAT)
  v4Rule('0.0.0.0/8', 'forbidden'), // "this network"; 0.0.0.0 dials the local host on Linux
  v4Rule('127.0.0.0/8', 'loopback'),
  v4Rule('10.0.0.0/8', 'private'),
  v4Rule('172.16.0.0/12', 'private'),
  v4Rule('192.168.0.0/16', 'private'),
  v4Rule('169.254.0.0/16', 'private'), // link-local
  v4Rule('100.64.0.0/10', 'private'), // CGNAT
  v4Rule('192.0.0.0/24', 'forbidden'), // IETF protocol assignments
  v4Rule('192.0.2.0/24', 'forbidden'), // TEST-NET-1
  v4Rule('198.51.100.0/24', 'forbidden'), // TEST-NET-2
  v4Rule('203.0.113.0/24', 'forbidden'), // TEST-NET-3
  v4Rule('192.88.99.0/24', 'forbidden'), // deprecated 6to4 relay anycast
  v4Rule('198.18.0.0/15', 'forbidden'), // benchmarking
  v4Rule('224.0.0.0/4', 'forbidden'), // multicast
  v4Rule('240.0.0.0/4', 'forbidden'), // reserved, includes 255.255.255.255
];

const bytesToV4 = (b: number[]): IPv4 => new ipaddr.IPv4(b);

/** The low 32 bits: IPv4-mapped, IPv4-compatible, IPv4-translated and NAT64 /96. */
const low32: Embedded = (a) => [bytesToV4(a.toByteArray().slice(12, 16))];

/**
 * 64:ff9b:1::/48 is for local NAT64 prefixes of any RFC 6052 length from /48 to /96, and the
 * prefix length is not visible in the address, so every possible position is a candidate.
 */
const localNat64: Embedded = (a) => {
  const b = a.toByteArray();
  return [
    [b[6], b[7], b[9], b[10]], // /48 (byte 8 is the reserved "u" octet)
    [b[7], b[9], b[10], b[11]], // /56
    [b[9], b[10], b[11], b[12]], // /64
    [b[12], b[13], b[14], b[15]], // /96
  ].map(bytesToV4);
};

/** 6to4: 2002:AABB:CCDD::/48 is the site behind IPv4 AA.BB.CC.DD. */
const sixToFour: Embedded = (a) => [bytesToV4(a.toByteArray().slice(2, 6))];

/** Teredo: the server's IPv4 in bits 32–63, the client's (bit-inverted) in the low 32 bits. */
const teredo: Embedded = (a) => {
  const b = a.toByteArray();
  return [bytesToV4(b.slice(4, 8)), bytesToV4(b.slice(12, 16).map((x) => x ^ 0xff))];
};

const IPV6_RULES: readonly Rule<IPv6>[] = [
  v6Rule('fd00:ec2::254/128', 'metadata'), // AWS instance metadata over IPv6
  v6Rule('fd00:ec2::23/128', 'metadata'), // AWS EKS Pod Identity over IPv6
  v6Rule('::/128', 'forbidden'), // unspecified
  v6Rule('::1/128', 'loopback'),
  v6Rule('::ffff:0:0/96', low32), // IPv4-mapped
  v6Rule('::ffff:0:0:0/96', low32), // IPv4-translated (RFC 6145)
  v6Rule('::/96', low32), // IPv4-compatible (deprecated), after :: and ::1
  v6Rule('64:ff9b::/96', low32), // NAT64 well-known prefix
  v6Rule('64:ff9b:1::/48', localNat64), // NAT64 local-use prefix
  v6Rule('2002::/16', sixToFour),
  v6Rule('2001::/32', teredo),
  v6Rule('fc00::/7', 'private'), // unique-local
  v6Rule('fe80::/10', 'private'), // link-local
  v6Rule('ff00::/8', 'forbidden'), // multicast
  v6Rule('2001::/23', 'forbidden'), // IETF protocol assignments (benchmarking, ORCHID, AMT…)
  v6Rule('2001:db8::/32', 'forbidden'), // documentation
  v6Rule('3fff::/20', 'forbidden'), // documentation (RFC 9637)
  // Global unicast is 2000::/3; everything outside it not matched above (site-local fec0::/10,
  // discard 100::/64, SRv6 5f00::/16, unassigned space) is forbidden by the default below.
  v6Rule('2000::/3', 'public'),
];

const STRICTNESS: Record<AddressClass, number> = {
  public: 0,
  private: 1,
  loopback: 2,
  forbidden: 3,
  metadata: 4,
};

function strictest(classes: AddressClass[]): AddressClass {
  return classes.reduce((a, b) => (STRICTNESS[b] > STRICTNESS[a] ? b : a), 'public');
}

function classifyV4(address: IPv4): AddressClass {
  const rule = IPV4_RULES.find((r) => address.match(r.range));
  return rule ? (rule.verdict as AddressClass) : 'public';
}

function classifyV6(address: IPv6): AddressClass {
  const rule = IPV6_RULES.find((r) => address.match(r.range));
  if (!rule) return 'forbidden';
  if (typeof rule.verdict === 'string') return rule.verdict;
  // A transition form is as strict as the strictest IPv4 inside it, and never public itself:
  // these are tunnels or translators whose real destination we cannot see.
  const inner = strictest(rule.verdict(address).map(classifyV4));
  return inner === 'public' ? 'forbidden' : inner;
}

/**
 * Only canonical textual forms are accepted (dotted-quad IPv4, any valid IPv6, optionally with a
 * zone id). Shorthands like `127.1` or `0x7f000001` are ambiguous between parsers, so they are
 * classified `forbidden` here; URLs are normalised by the WHATWG parser before they reach us.
 */
function parseCanonical(ip: string): IPv4 | IPv6 | null {
  if (typeof ip !== 'string') return null;
  if (ipaddr.IPv4.isValidFourPartDecimal(ip)) return ipaddr.IPv4.parse(ip);
  if (ipaddr.IPv6.isValid(ip)) return ipaddr.IPv6.parse(ip);
  return null;
}

/** Classifies an IP address string; anything that is not an IP address is `forbidden`. */
export function classifyAddress(ip: string): AddressClass {
  const address = parseCanonical(ip);
  if (!address) return 'forbidden';
  return address.kind() === 'ipv4' ? classifyV4(address as IPv4) : classifyV6(address as IPv6);
}

export function isClassAllowed(cls: AddressClass, opts: { allowPrivate: boolean }): boolean {
  if (cls === 'public') return true;
  return opts.allowPrivate && (cls === 'private' || cls === 'loopback');
}

export function isAddressAllowed(ip: string, opts: { allowPrivate: boolean }): boolean {
  return isClassAllowed(classifyAddress(ip), opts);
}
