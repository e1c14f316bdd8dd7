import ipaddr from 'ipaddr.js';

/**
 * Special-use address classification for outbound requests (server-side request forgery defence).
 *
 * The tables follow the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and its successors: RFC 8190,
 * RFC 9637 for 3fff::/20, RFC 9602 for 5f00::/16), plus multicast, the IPv4 reserved block and the well-known cloud
 * metadata addresses. Every range whose "globally reachable" entry is false is listed; the few special-purpose blocks
 * that are globally reachable anycast services (AS112, AMT, PCP/TURN anycast) are refused too where they sit inside a
 * larger refused block, since no document a caller may name lives there.
 *
 * IPv6 addresses that carry an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64 64:ff9b::/96, 6to4, Teredo) are judged
 * by the IPv4 address they lead to: a socket connecting to `::ffff:10.0.0.1` or to a NAT64 gateway's `64:ff9b::a9fe:a9fe`
 * reaches the IPv4 host behind it.
 */

export interface SpecialUseRange {
  /** A stable name: `loopback`, `private`, `link-local`, `cloud-metadata`, `shared-address-space` (CGNAT), … */
  name: string;
  /** The registry block, e.g. `10.0.0.0/8`. */
  cidr: string;
}

export interface SpecialUseMatch extends SpecialUseRange {
  /** Set when the range was found on the IPv4 address embedded in an IPv6 one, e.g. `IPv4-mapped`, `NAT64`, `6to4`. */
  embeddedIn?: string;
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

interface Entry extends SpecialUseRange {
  parsed: Cidr;
}

function table(entries: Array<[name: string, cidr: string]>): Entry[] {
  return entries.map(([name, cidr]) => ({ name, cidr, parsed: ipaddr.parseCIDR(cidr) }));
}

// Most specific first: the first match names the range (169.254.169.254 is `cloud-metadata` before `link-local`).
const IPV4: Entry[] = table([
  ['cloud-metadata', '169.254.169.254/32'], // AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle…
  ['cloud-metadata', '169.254.170.2/32'], // AWS ECS task metadata
  ['cloud-metadata', '100.100.100.200/32'], // Alibaba Cloud
  ['cloud-metadata', '168.63.129.16/32'], // Azure WireServer: a public address only reachable from inside Azure
  ['broadcast', '255.255.255.255/32'],
  ['this-network', '0.0.0.0/8'],
  ['private', '10.0.0.0/8'],
  ['shared-address-space', '100.64.0.0/10'], // carrier-grade NAT, RFC 6598
  ['loopback', '127.0.0.0/8'],
  ['link-local', '169.254.0.0/16'],
  ['private', '172.16.0.0/12'],
  ['ietf-protocol-assignments', '192.0.0.0/24'],
  ['documentation', '192.0.2.0/24'],
  ['6to4-relay-anycast', '192.88.99.0/24'], // deprecated by RFC 7526
  ['private', '192.168.0.0/16'],
  ['benchmarking', '198.18.0.0/15'],
  ['documentation', '198.51.100.0/24'],
  ['documentation', '203.0.113.0/24'],
  ['multicast', '224.0.0.0/4'],
  ['reserved', '240.0.0.0/4'],
]);

const IPV6: Entry[] = table([
  ['unspecified', '::/128'],
  ['loopback', '::1/128'],
  ['cloud-metadata', 'fd00:ec2::254/128'], // AWS instance metadata over IPv6
  ['nat64-local-use', '64:ff9b:1::/48'], // RFC 8215: a site's own translator, not the well-known prefix
  ['discard-only', '100::/64'],
  ['dummy-prefix', '100:0:0:1::/64'], // RFC 9780
  ['ietf-protocol-assignments', '2001::/23'], // Teredo (2001::/32) is handled before this table
  ['documentation', '2001:db8::/32'],
  ['documentation', '3fff::/20'], // RFC 9637
  ['segment-routing-sids', '5f00::/16'], // RFC 9602
  ['unique-local', 'fc00::/7'],
  ['link-local', 'fe80::/10'],
  ['site-local', 'fec0::/10'], // deprecated by RFC 3879, still routed inside some networks
  ['multicast', 'ff00::/8'],
]);

const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');
const IPV4_MAPPED = ipaddr.parseCIDR('::ffff:0:0/96');
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');
const NAT64_WELL_KNOWN = ipaddr.parseCIDR('64:ff9b::/96');
const SIX_TO_FOUR = ipaddr.parseCIDR('2002::/16');
const TEREDO = ipaddr.parseCIDR('2001::/32');

function findIn(entries: Entry[], address: ipaddr.IPv4 | ipaddr.IPv6): SpecialUseRange | null {
  for (const { name, cidr, parsed } of entries) {
    if (address.kind() === parsed[0].kind() && address.match(parsed)) return { name, cidr };
  }
  return null;
}

function ipv4FromWords(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

function classifyEmbedded(ipv4s: ipaddr.IPv4[], embeddedIn: string): SpecialUseMatch | null {
  for (const ipv4 of ipv4s) {
    const match = findIn(IPV4, ipv4);
    if (match) return { ...match, embeddedIn };
  }
  return null;
}

function classifyIPv6(address: ipaddr.IPv6): SpecialUseMatch | null {
  const words = address.parts;
  const direct = findIn(IPV6.slice(0, 2), address); // :: and ::1 sit inside the IPv4-compatible block below
  if (direct) return direct;
  if (address.match(IPV4_MAPPED)) return classifyEmbedded([address.toIPv4Address()], 'IPv4-mapped');
  if (address.match(IPV4_COMPATIBLE)) return classifyEmbedded([ipv4FromWords(words[6], words[7])], 'IPv4-compatible');
  if (address.match(NAT64_WELL_KNOWN)) return classifyEmbedded([ipv4FromWords(words[6], words[7])], 'NAT64');
  if (address.match(SIX_TO_FOUR)) return classifyEmbedded([ipv4FromWords(words[1], words[2])], '6to4');
  if (address.match(TEREDO)) {
    // RFC 4380 §4: the Teredo server's IPv4 in bits 32–63, the client's public IPv4 (bit-inverted) in the last 32 bits.
    const server = ipv4FromWords(words[2], words[3]);
    const client = ipv4FromWords(~words[6] & 0xffff, ~words[7] & 0xffff);
    return classifyEmbedded([server, client], 'Teredo');
  }
  const listed = findIn(IPV6, address);
  if (listed) return listed;
  // Outside 2000::/3 nothing is allocated as global unicast (the embedded-IPv4 blocks were handled above).
  return address.match(GLOBAL_UNICAST_V6) ? null : { name: 'reserved', cidr: 'outside 2000::/3' };
}

/**
 * The special-use range `address` (an IPv4 or IPv6 literal, as DNS or a URL gives it) belongs to, or null for an
 * ordinary public address. Something that is not an IP address at all is reported as `unparseable` rather than let
 * through.
 */
export function specialUseRange(address: string): SpecialUseMatch | null {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // Only the strict dotted-quad / RFC 4291 forms: `ipaddr.parse` would also take `0x7f.1` and other legacy spellings.
    parsed = ipaddr.IPv4.isValidFourPartDecimal(address) ? ipaddr.IPv4.parse(address) : ipaddr.IPv6.parse(address);
  } catch {
    return { name: 'unparseable', cidr: '' };
  }
  return parsed.kind() === 'ipv4' ? findIn(IPV4, parsed) : classifyIPv6(parsed as ipaddr.IPv6);
}

/** Loopback proper (127.0.0.0/8, ::1): what the development-only `allowLoopback` setting lets through. */
export function isLoopback(match: SpecialUseMatch | null): boolean {
  return match?.name === 'loopback' && match.embeddedIn === undefined;
}
