// --iflist (masscan's) for blast, scan and catch: the interfaces of this network namespace (link
// type, state, MTU, MAC, IPv4 and IPv6 addresses) and its default routes, as a table for people.
// Facts come from /sys/class/net, os.networkInterfaces() and the route files shared/netinfo.ts
// reads; nothing is sent. Scripts have `ip -j address` and `ip -j route`, so there is no NDJSON.
import * as fs from 'fs';
import * as os from 'os';
import { OptionSpec } from './args';
import { EXIT_OK } from './exit';
import type { IO } from './io';
import { formatIPv4 } from './ipv4';
import { formatIPv6 } from './ipv6';
import { LAYER3_LINKS, readRoutes, readRoutes6, readSys } from './netinfo';

export const IFLIST_OPTION: OptionSpec = {
  name: 'iflist', type: 'boolean',
  help: 'list this network namespace\'s interfaces (link type, state, MTU, MAC, addresses) and default routes, then exit without sending',
};

export interface IfRow {
  name: string;
  index: number;
  link: string;           // ethernet, loopback, layer-3 (tun, WireGuard, PPP, ipip/GRE) or "type N"
  state: string;          // up, down (administratively), no-carrier (up, but the link is down)
  mtu: number;
  mac: string | null;     // null on links without MAC addresses (loopback, layer-3)
  addresses: string[];    // ADDRESS/PREFIX, IPv4 first
}

export interface DefaultRouteRow { family: 4 | 6; gateway: string | null; iface: string; metric: number }

const ARPHRD_ETHER = 1, ARPHRD_LOOPBACK = 772;

/** The link type's name from its ARPHRD_* number (linux/if_arp.h). */
export function linkName(type: number): string {
  if (type === ARPHRD_ETHER) return 'ethernet';
  if (type === ARPHRD_LOOPBACK) return 'loopback';
  if (LAYER3_LINKS.has(type)) return 'layer-3';
  return `type ${type}`;
}

/** The state as a user reads it: IFF_UP off is down; up with the operstate down is no-carrier
 *  (operstate "unknown", as on loopback and tun, counts as up). */
export function stateName(flags: number, operstate: string): string {
  if (!(flags & 1)) return 'down';
  return operstate === 'down' || operstate === 'lowerlayerdown' || operstate === 'notpresent' ? 'no-carrier' : 'up';
}

/** An interface's sysfs attribute, '' when it cannot be read. */
function sys(name: string, file: string): string {
  try { return readSys(name, file); } catch { return ''; }
}

/** Every interface of this network namespace, by index. */
export function listInterfaces(): IfRow[] {
  let names: string[];
  try { names = fs.readdirSync('/sys/class/net'); } catch { names = Object.keys(os.networkInterfaces()); }
  const addrs = os.networkInterfaces();
  const rows = names.map((name): IfRow => {
    const type = Number(sys(name, 'type'));
    const link = linkName(type);
    const all = addrs[name] ?? [];
    return {
      name, index: Number(sys(name, 'ifindex')) || 0, link,
      state: stateName(Number(sys(name, 'flags')), sys(name, 'operstate')),
      mtu: Number(sys(name, 'mtu')) || 0,
      mac: link === 'ethernet' || link.startsWith('type ') ? sys(name, 'address').toLowerCase() || null : null,
      addresses: [...all.filter((a) => a.family === 'IPv4'), ...all.filter((a) => a.family === 'IPv6')]
        .map((a) => a.cidr ?? a.address),
    };
  });
  return rows.sort((a, b) => a.index - b.index || (a.name < b.name ? -1 : 1));
}

/** The default routes of both families, lowest metric first within each (from the route files'
 *  texts, for tests, or the live ones). */
export function defaultRoutes(route4?: string, route6?: string): DefaultRouteRow[] {
  const v4 = readRoutes(route4).filter((r) => r.mask === 0 && r.dest === 0)
    .map((r): DefaultRouteRow => ({ family: 4, gateway: r.gateway ? formatIPv4(r.gateway) : null, iface: r.iface, metric: r.metric }));
  const v6 = readRoutes6(route6).filter((r) => r.prefix === 0)
    .map((r): DefaultRouteRow => ({ family: 6, gateway: r.gateway ? formatIPv6(r.gateway) : null, iface: r.iface, metric: r.metric }));
  const byMetric = (a: DefaultRouteRow, b: DefaultRouteRow) => a.metric - b.metric;
  return [...v4.sort(byMetric), ...v6.sort(byMetric)];
}

// Columns padded to their widest cell, two spaces apart; the last one is not padded.
function table(rows: string[][]): string {
  const w = rows[0].map((_, k) => Math.max(...rows.map((r) => r[k].length)));
  return rows.map((r) => r.map((c, k) => (k === r.length - 1 ? c : c.padEnd(w[k]))).join('  ').trimEnd()).join('\n') + '\n';
}

/** The table --iflist prints: one row per interface (more rows for its further addresses), then
 *  the default routes and which interface blast and scan pick without -i. */
export function formatIflist(ifs: IfRow[], routes: DefaultRouteRow[]): string {
  const rows = [['INTERFACE', 'LINK', 'STATE', 'MTU', 'MAC', 'ADDRESS']];
  for (const i of ifs) {
    const first = i.addresses[0] ?? '-';
    rows.push([i.name, i.link, i.state, String(i.mtu), i.mac ?? '-', first]);
    for (const a of i.addresses.slice(1)) rows.push(['', '', '', '', '', a]);
  }
  let out = table(rows) + '\n';
  if (routes.length === 0) out += 'no default route: give blast and scan -i IFACE\n';
  else {
    out += table([['DEFAULT ROUTE', 'GATEWAY', 'INTERFACE', 'METRIC'],
      ...routes.map((r) => [`IPv${r.family}`, r.gateway ?? 'on-link', r.iface, String(r.metric)])]);
    out += `\nwithout -i, blast and scan send on ${routes[0].iface}\n`;
  }
  return out;
}

/** --iflist's whole work: the table on stdout, exit 0. */
export function printIflist(io: IO): number {
  io.stdout.write(formatIflist(listInterfaces(), defaultRoutes()));
  return EXIT_OK;
}
