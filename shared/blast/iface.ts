// Interface facts for blast without privileges: routes from /proc/net/route, MAC and IPv4 from
// the kernel's interface list, cached neighbours from /proc/net/arp (the native module ARPs
// only when the neighbour table does not know the next hop).
import * as fs from 'fs';
import * as os from 'os';
import { ipv4ToInt } from './addr';

export interface Route { iface: string; dest: number; mask: number; gateway: number; metric: number }

// /proc/net/route holds addresses as little-endian hex of the network-order bytes.
function procHex(h: string): number {
  const v = parseInt(h, 16) >>> 0;
  return (((v & 0xff) << 24) | (((v >>> 8) & 0xff) << 16) | (((v >>> 16) & 0xff) << 8) | (v >>> 24)) >>> 0;
}

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

export function defaultRoute(routes: Route[] = readRoutes()): Route | null {
  const d = routes.filter((r) => r.mask === 0).sort((a, b) => a.metric - b.metric);
  return d[0] ?? null;
}

export function interfaceExists(iface: string): boolean {
  return fs.existsSync(`/sys/class/net/${iface}`);
}

export function interfaceMac(iface: string): string | null {
  try { return fs.readFileSync(`/sys/class/net/${iface}/address`, 'utf8').trim(); } catch { return null; }
}

export function interfaceIpv4(iface: string): string | null {
  const a = os.networkInterfaces()[iface]?.find((x) => x.family === 'IPv4');
  return a ? a.address : null;
}

/** A complete entry for ip on iface in the kernel's neighbour table, or null. */
export function neighbourMac(ip: string, iface: string, text?: string): string | null {
  let t = text;
  if (t === undefined) { try { t = fs.readFileSync('/proc/net/arp', 'utf8'); } catch { return null; } }
  for (const line of t.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 6 && f[0] === ip && f[5] === iface && (parseInt(f[2], 16) & 2) && f[3] !== '00:00:00:00:00:00') return f[3];
  }
  return null;
}

export function isMac(s: string): boolean {
  return /^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/.test(s);
}

export { ipv4ToInt };
