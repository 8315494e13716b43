// Interface facts for blast and catch without native code: MAC, IPv4 address and prefix, MTU and
// state from /sys and os.networkInterfaces(), the default route from /proc/net/route, neighbours
// from /proc/net/arp, and the router's MAC (ARP table first, then a native ARP request).
import * as fs from 'fs';
import * as os from 'os';

export interface InterfaceInfo {
  name: string;
  index: number;
  mac: string;            // "aa:bb:cc:dd:ee:ff"
  ipv4: string | null;    // the first IPv4 address, if any
  prefix: number | null;  // its prefix length
  mtu: number;
  up: boolean;            // administratively up (IFF_UP)
}

export interface Route { iface: string; gateway: string | null }

function readSys(name: string, file: string): string {
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

/** Little-endian hex of /proc/net/route ("0100A8C0") -> "192.168.0.1". */
function procIp(hex: string): string {
  const v = parseInt(hex, 16) >>> 0;
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24].join('.');
}

/** The default route in /proc/net/route text (lowest metric wins), or null. */
export function parseRoutes(text: string): Route | null {
  let best: { route: Route; metric: number } | null = null;
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const [iface, dest, gw, flags, , , metric, mask] = f;
    if (dest !== '00000000' || mask !== '00000000') continue;
    if ((parseInt(flags, 16) & 1) === 0) continue; // RTF_UP
    const gateway = (parseInt(flags, 16) & 2) && gw !== '00000000' ? procIp(gw) : null; // RTF_GATEWAY
    const m = Number(metric);
    if (!best || m < best.metric) best = { route: { iface, gateway }, metric: m };
  }
  return best ? best.route : null;
}

/** The default route's interface and gateway, or null when there is none. */
export function defaultRoute(): Route | null {
  try { return parseRoutes(fs.readFileSync('/proc/net/route', 'utf8')); } catch { return null; }
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
