// Special-purpose ranges removed from any wider range unless --no-reserved: the IPv4 list from
// ZMap's blocklist.conf (as in the BSides seed) and the IPv6 special-purpose registry's
// not-globally-reachable blocks plus link-local, site-local and multicast.
import { Interval, normalize } from './intervals';
import { parseRange } from './ranges';

export const RESERVED_V4: readonly string[] = [
  '0.0.0.0/8',          // RFC 1122: "this" network
  '10.0.0.0/8',         // RFC 1918: private
  '100.64.0.0/10',      // RFC 6598: shared address space (CGN)
  '127.0.0.0/8',        // RFC 1122: loopback
  '169.254.0.0/16',     // RFC 3927: link-local
  '172.16.0.0/12',      // RFC 1918: private
  '192.0.0.0/24',       // RFC 6890: IETF protocol assignments
  '192.0.2.0/24',       // RFC 5737: documentation (TEST-NET-1)
  '192.88.99.0/24',     // RFC 3068: 6to4 relay anycast
  '192.168.0.0/16',     // RFC 1918: private
  '198.18.0.0/15',      // RFC 2544: benchmarking
  '198.51.100.0/24',    // RFC 5737: documentation (TEST-NET-2)
  '203.0.113.0/24',     // RFC 5737: documentation (TEST-NET-3)
  '224.0.0.0/4',        // RFC 5771: multicast
  '240.0.0.0/4',        // RFC 1112: reserved
  '255.255.255.255/32', // RFC 919: limited broadcast
];

export const RESERVED_V6: readonly string[] = [
  '::/128',             // RFC 4291: unspecified
  '::1/128',            // RFC 4291: loopback
  '::ffff:0:0/96',      // RFC 4291: IPv4-mapped
  '64:ff9b:1::/48',     // RFC 8215: local-use IPv4/IPv6 translation
  '100::/64',           // RFC 6666: discard-only
  '2001::/23',          // RFC 2928: IETF protocol assignments (Teredo, benchmarking, ORCHID)
  '2001:db8::/32',      // RFC 3849: documentation
  '2002::/16',          // RFC 3056: 6to4
  '3fff::/20',          // RFC 9637: documentation
  '5f00::/16',          // RFC 9602: segment routing SIDs
  'fc00::/7',           // RFC 4193: unique local
  'fe80::/10',          // RFC 4291: link-local
  'fec0::/10',          // RFC 3879: deprecated site-local
  'ff00::/8',           // RFC 4291: multicast
];

function load(list: readonly string[]): Interval[] {
  return normalize(list.map((t) => parseRange(t) as Interval));
}

/** Each list as its own intervals (for the "named wholly inside one range" test) and merged. */
export const reservedV4 = { each: RESERVED_V4.map((t) => load([t])[0]), merged: load(RESERVED_V4) };
export const reservedV6 = { each: RESERVED_V6.map((t) => load([t])[0]), merged: load(RESERVED_V6) };
