// The next hop of each family, in one place: the MAC that frames to a target go to. --router-mac
// overrides both families; else --router-ip names the next hop of its family, or the route to
// the target names its gateway (or the target itself when it is on the link), whose MAC comes from the kernel's neighbour table (IPv4:
// /proc/net/arp; IPv6: rtnetlink) or, live, from an ARP request or a Neighbor Solicitation.
// With --pcap and no entry in the table, frames carry 00:00:00:00:00:00. On-link targets of a LAN
// scan each go to their own MAC (shared/blast/lan.ts); the family's next hop is then the router
// of the link's default route (routerMac), for the targets off the link.
import { FatalError } from './exit';
import { formatIPv4 } from './ipv4';
import { formatIPv6, parseIPv6 } from './ipv6';
import { interfaceIpv6, neighborMac, readRoutes, readRoutes6, routeFor, routeFor6 } from './netinfo';
import type { Reporter } from './report';
import type { Native } from '../native/index';

export interface NextHopConfig {
  native: Native;
  iface: string | undefined;
  pcap: string | undefined;
  routerMac: string | undefined;
  routerIps?: { v4: string | null; v6: string | null };   // --router-ip: the next hop of each family, if given
  layer3: boolean;   // a link without Ethernet headers (tun): there is no next hop's MAC to find
}

/** A target as the next-hop choice takes it: IPv4 as a number, IPv6 as text. */
export type HopTarget = { family: 4; ip: number } | { family: 6; ip: string };

const ZERO_MAC = '00:00:00:00:00:00';
// NUD states whose link-layer address may be used (linux/neighbour.h): REACHABLE, STALE, DELAY,
// PROBE, PERMANENT, NOARP.
const NUD_VALID = 0x02 | 0x04 | 0x08 | 0x10 | 0x80 | 0x40;

/** The IPv6 neighbour table's MAC for ip on iface, or null. */
export function neighborMac6(native: Native, ip: string, iface: string): string | null {
  const want = parseIPv6(ip);
  for (const e of native.neighbors(6)) {
    if (e.iface === iface && (e.state & NUD_VALID) && parseIPv6(e.ip) === want) return e.mac.toLowerCase();
  }
  return null;
}

/** The MAC frames to `to` (sent from srcIp, that family's source) go to. Throws FatalError when
 *  a live next hop does not answer. */
export async function nextHopMac(cfg: NextHopConfig, to: HopTarget, srcIp: string, report: Reporter): Promise<string> {
  if (cfg.layer3) return ZERO_MAC;   // ignored by the sender: frames leave from the IP header
  if (cfg.routerMac) return cfg.routerMac.replace(/-/g, ':').toLowerCase();
  let hop: string;
  let onLink = false;
  const given = to.family === 4 ? cfg.routerIps?.v4 : cfg.routerIps?.v6;
  if (given) hop = given;
  else if (to.family === 4) {
    const routes = readRoutes();
    const r = cfg.iface ? routeFor(to.ip, routes, cfg.iface) ?? routeFor(0, routes, cfg.iface) : null;
    onLink = !!r && !r.gateway;
    hop = formatIPv4(r && r.gateway ? r.gateway : to.ip);
  } else {
    const routes = readRoutes6();
    const r = cfg.iface ? routeFor6(parseIPv6(to.ip) as bigint, routes, cfg.iface) : null;
    onLink = !!r && !r.gateway;
    hop = r && r.gateway ? formatIPv6(r.gateway) : to.ip;
  }
  if (onLink) report.warn(`${hop} is on the link: sending every frame to its MAC (give --router-mac for another next hop)`);
  const known = !cfg.iface ? null : to.family === 4 ? neighborMac(hop, cfg.iface) : neighborMac6(cfg.native, hop, cfg.iface);
  if (known) return known;
  if (cfg.pcap || !cfg.iface) {
    report.warn(`next hop ${hop} is not in the neighbour table: frames carry ${ZERO_MAC} (give --router-mac)`);
    return ZERO_MAC;
  }
  // A solicitation goes out from the link-local address when the interface has one: the answer
  // comes back to an address the kernel owns, whichever source the scan uses.
  const from = to.family === 4 ? srcIp : interfaceIpv6(cfg.iface).linkLocal ?? srcIp;
  for (let attempt = 0; attempt < 3; attempt++) {
    const mac = to.family === 4 ? await cfg.native.arpResolve(cfg.iface, from, hop, 1000)
      : await cfg.native.ndpResolve(cfg.iface, from, hop, 1000);
    if (mac) return mac;
  }
  const what = to.family === 4 ? 'ARP' : 'Neighbor Advertisement';
  if (given) throw new FatalError(`--router-ip ${hop}: no ${what} reply on ${cfg.iface}: is it the router's address, on this link?`);
  throw new FatalError(`no ${what} reply from next hop ${hop} on ${cfg.iface}: give --router-mac MAC`);
}

/** The MAC of the router (the gateway of iface's default route) of one family, for a LAN scan's
 *  off-link targets; 00:00:00:00:00:00 when the link has no router (then nothing is off-link). */
export async function routerMac(cfg: NextHopConfig, family: 4 | 6, srcIp: string, report: Reporter): Promise<string> {
  if (!cfg.iface) return ZERO_MAC;
  const gw = family === 4 ? routeFor(0, readRoutes(), cfg.iface)?.gateway : routeFor6(0n, readRoutes6(), cfg.iface)?.gateway;
  if (!gw) return ZERO_MAC;
  try {
    return await nextHopMac(cfg, family === 4 ? { family, ip: 0 } : { family, ip: '::' }, srcIp, report);
  } catch (e) {
    // A silent router must not stop the scan of the link itself.
    if (!(e instanceof FatalError)) throw e;
    report.warn(`${e.message}: on-link targets go on, off-link IPv${family} targets go to ${ZERO_MAC}`);
    return ZERO_MAC;
  }
}
