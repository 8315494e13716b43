// Interface facts for blast, catch and scan without native code: MAC, IPv4 address and prefix, MTU
// and state from /sys and os.networkInterfaces(), IPv6 addresses, routes from /proc/net/route and
// /proc/net/ipv6_route (the most specific one for an address), neighbours from /proc/net/arp, and
// the router's MAC (ARP table first, then a native ARP request). The next hop of each family is
// chosen in shared/nexthop.ts.
import * as fs from 'fs';
import * as os from 'os';
import { formatIPv4 } from './ipv4';
import { parseIPv6 } from './ipv6';
import { FatalError, UsageError } from './exit';
import { Sources, withDefaults } from './source-ip';

export interface InterfaceInfo {
  name: string;
  index: number;
  mac: string;            // "aa:bb:cc:dd:ee:ff"
  ipv4: string | null;    // the first IPv4 address, if any
  prefix: number | null;  // its prefix length
  mtu: number;
  up: boolean;            // administratively up (IFF_UP)
}

/** A route of /proc/net/route, addresses as uint32 (host order), gateway 0 when on-link. */
export interface Route { iface: string; dest: number; mask: number; gateway: number; metric: number }

/** The default route as a user sees it. */
export interface DefaultRoute { iface: string; gateway: string | null }


export function readSys(name: string, file: string): string {
  return fs.readFileSync(`/sys/class/net/${name}/${file}`, 'utf8').trim();
}

/** Facts about one interface of this network namespace; throws when it does not exist. */
export function interfaceInfo(name: string): InterfaceInfo {
  if (!/^[^/\0\s]{1,15}$/.test(name) || name === '.' || name === '..') throw new Error(`no such interface: ${name}`);
  if (!fs.existsSync(`/sys/class/net/${name}`)) throw new Error(`no such interface: ${name}`);
  const addrs = (os.networkInterfaces()[name] ?? []).filter((a) => a.family === 'IPv4');
  const first = addrs[0];
  return {
    name,
    index: Number(readSys(name, 'ifindex')),
    mac: readSys(name, 'address').toLowerCase(),
    ipv4: first ? first.address : null,
    prefix: first && first.cidr ? Number(first.cidr.split('/')[1]) : null,
    mtu: Number(readSys(name, 'mtu')),
    up: (Number(readSys(name, 'flags')) & 1) === 1,
  };
}

// /proc/net/route holds addresses as little-endian hex of the network-order bytes.
function procHex(h: string): number {
  const v = parseInt(h, 16) >>> 0;
  return (((v & 0xff) << 24) | (((v >>> 8) & 0xff) << 16) | (((v >>> 16) & 0xff) << 8) | (v >>> 24)) >>> 0;
}

/** The routes that are up, from /proc/net/route (or its text, for tests). */
export function readRoutes(text?: string): Route[] {
  let t = text;
  if (t === undefined) { try { t = fs.readFileSync('/proc/net/route', 'utf8'); } catch { return []; } }
  const out: Route[] = [];
  for (const line of t.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const flags = parseInt(f[3], 16);
    if (!(flags & 1)) continue; // RTF_UP
    out.push({ iface: f[0], dest: procHex(f[1]), gateway: (flags & 2) ? procHex(f[2]) : 0, metric: Number(f[6]), mask: procHex(f[7]) });
  }
  return out;
}

/** The most specific route for addr (optionally on iface), lowest metric among equals. */
export function routeFor(addr: number, routes: Route[], iface?: string): Route | null {
  let best: Route | null = null;
  for (const r of routes) {
    if (iface && r.iface !== iface) continue;
    if (((addr & r.mask) >>> 0) !== r.dest) continue;
    if (!best || r.mask > best.mask || (r.mask === best.mask && r.metric < best.metric)) best = r;
  }
  return best;
}

/** An IPv6 route of /proc/net/ipv6_route: addresses as BigInt, gateway 0n when on-link. */
export interface Route6 { iface: string; dest: bigint; prefix: number; gateway: bigint; metric: number }

// Flags of /proc/net/ipv6_route (include/uapi/linux/ipv6_route.h, route.h).
const RTF_UP = 0x1, RTF_GATEWAY = 0x2, RTF_REJECT = 0x200;

/** The IPv6 routes that are up and lead somewhere, from /proc/net/ipv6_route (or its text, for
 *  tests). Lines: dest[32 hex] prefix[2 hex] src[32] src_prefix[2] next_hop[32] metric[8 hex]
 *  refcnt use flags[8 hex] device. Routes through lo (local addresses) and rejects are left out. */
export function readRoutes6(text?: string): Route6[] {
  let t = text;
  if (t === undefined) { try { t = fs.readFileSync('/proc/net/ipv6_route', 'utf8'); } catch { return []; } }
  const out: Route6[] = [];
  for (const line of t.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || !/^[0-9a-f]{32}$/i.test(f[0]) || !/^[0-9a-f]{32}$/i.test(f[4])) continue;
    const flags = parseInt(f[8], 16);
    if (!(flags & RTF_UP) || (flags & RTF_REJECT) || f[9] === 'lo') continue;
    out.push({ iface: f[9], dest: BigInt(`0x${f[0]}`), prefix: parseInt(f[1], 16),
      gateway: (flags & RTF_GATEWAY) ? BigInt(`0x${f[4]}`) : 0n, metric: parseInt(f[5], 16) });
  }
  return out;
}

/** The most specific IPv6 route for addr (optionally on iface), lowest metric among equals. */
export function routeFor6(addr: bigint, routes: Route6[], iface?: string): Route6 | null {
  let best: Route6 | null = null;
  for (const r of routes) {
    if (iface && r.iface !== iface) continue;
    if (r.prefix > 0 && (addr >> BigInt(128 - r.prefix)) !== (r.dest >> BigInt(128 - r.prefix))) continue;
    if (!best || r.prefix > best.prefix || (r.prefix === best.prefix && r.metric < best.metric)) best = r;
  }
  return best;
}

/** The IPv6 default route's interface, or null. */
export function defaultRoute6(text?: string): { iface: string } | null {
  const r = readRoutes6(text).filter((x) => x.prefix === 0).sort((a, b) => a.metric - b.metric)[0];
  return r ? { iface: r.iface } : null;
}

/** The default route in /proc/net/route text (lowest metric wins), or null. */
export function parseRoutes(text: string): DefaultRoute | null {
  const r = readRoutes(text).filter((x) => x.mask === 0 && x.dest === 0).sort((a, b) => a.metric - b.metric)[0];
  return r ? { iface: r.iface, gateway: r.gateway ? formatIPv4(r.gateway) : null } : null;
}

/** The default route's interface and gateway, or null when there is none. */
export function defaultRoute(): DefaultRoute | null {
  try { return parseRoutes(fs.readFileSync('/proc/net/route', 'utf8')); } catch { return null; }
}

export function interfaceExists(iface: string): boolean {
  return fs.existsSync(`/sys/class/net/${iface}`);
}

/** The first IPv4 address of iface, or null. */
export function interfaceIpv4(iface: string): string | null {
  const a = os.networkInterfaces()[iface]?.find((x) => x.family === 'IPv4');
  return a ? a.address : null;
}

/** The IPv6 addresses of iface: all of them, the first global one (any but link-local and
 *  loopback: the default scan source) and the first link-local one (what a Neighbor Solicitation is
 *  sent from). */
export function interfaceIpv6(iface: string): { all: string[]; global: string | null; linkLocal: string | null } {
  const all = (os.networkInterfaces()[iface] ?? []).filter((a) => a.family === 'IPv6').map((a) => a.address);
  const isLinkLocal = (a: string) => { const v = parseIPv6(a); return typeof v === 'bigint' && v >> 118n === 0x3fan; };
  return { all, global: all.find((a) => !isLinkLocal(a) && a !== '::1') ?? null, linkLocal: all.find(isLinkLocal) ?? null };
}

/** Where blast and scan send from: -i IFACE (which must exist), else the default route's
 *  interface (IPv4's, else IPv6's); --source-ip per family, else the interface's first IPv4 and
 *  first global IPv6 address (at least one is needed; which targets need which is blast's
 *  check). With `pcap` (blast writing a file) no interface is needed, but then an address is.
 *  Throws the user's error. */
export function pickInterface(iface: string | undefined, given: Sources): { iface: string; sources: Sources };
export function pickInterface(iface: string | undefined, given: Sources, pcap: boolean): { iface: string | undefined; sources: Sources };
export function pickInterface(iface: string | undefined, given: Sources, pcap = false): { iface: string | undefined; sources: Sources } {
  if (iface !== undefined && !interfaceExists(iface)) throw new UsageError(`-i ${iface}: no such interface`);
  const name = iface ?? defaultRoute()?.iface ?? defaultRoute6()?.iface;
  if (name === undefined && !pcap) throw new FatalError('no default route to pick an interface from: give -i IFACE');
  const sources = withDefaults(given, name ? { v4: interfaceIpv4(name), v6: interfaceIpv6(name).global } : null);
  if (!sources.v4 && !sources.v6) {
    throw new UsageError(name ? `${name} has no IPv4 or global IPv6 address: give --source-ip ADDR` : '--pcap without -i needs --source-ip ADDR');
  }
  return { iface: name, sources };
}

// ARPHRD_* (linux/if_arp.h) of links that carry bare IP packets: tun (NONE), ipip (TUNNEL),
// ip6tnl (TUNNEL6), sit, GRE, ip6gre, PPP, raw IP. WireGuard is NONE.
export const LAYER3_LINKS = new Set([65534, 768, 769, 776, 778, 823, 512, 519, 530]);

/** Whether iface carries bare IP packets (no Ethernet header: tun, WireGuard, PPP, ipip/GRE),
 *  from its link type in sysfs; false for Ethernet and for an interface that cannot be read. */
export function isLayer3Link(iface: string): boolean {
  try { return LAYER3_LINKS.has(Number(readSys(iface, 'type'))); } catch { return false; }
}

export function interfaceMac(iface: string): string | null {
  try { return readSys(iface, 'address').toLowerCase(); } catch { return null; }
}

export function isMac(s: string): boolean {
  return /^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/.test(s);
}

/** The MAC of ip in /proc/net/arp text (complete entries only, optionally on one device). */
export function parseArp(text: string, ip: string, iface?: string): string | null {
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || f[0] !== ip) continue;
    if (iface && f[5] !== iface) continue;
    if ((parseInt(f[2], 16) & 2) === 0) continue; // ATF_COM: resolved
    if (f[3] === '00:00:00:00:00:00') continue;
    return f[3].toLowerCase();
  }
  return null;
}

/** The neighbour table's MAC for ip, or null. */
export function neighborMac(ip: string, iface?: string): string | null {
  try { return parseArp(fs.readFileSync('/proc/net/arp', 'utf8'), ip, iface); } catch { return null; }
}

/** The router's MAC: the ARP table first, else a raw ARP request from srcIp (needs CAP_NET_RAW). */
export async function routerMac(iface: string, gateway: string, srcIp?: string, timeoutMs = 1000): Promise<string | null> {
  const known = neighborMac(gateway, iface);
  if (known) return known;
  const src = srcIp ?? interfaceInfo(iface).ipv4;
  if (!src) return null;
  // Loaded lazily: everything above works without the native module.
  const { loadNative } = await import('../native/index');
  return loadNative().arpResolve(iface, src, gateway, timeoutMs);
}
