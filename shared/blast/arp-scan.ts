// blast's ARP scan (targets with proto "arp": trawl targets --arp): which answers count, and the
// alive record each one becomes. The LAN pass (lan.ts) asks the address and matches the answer
// to it; here the answer must also be addressed to us, as a reply to our own request is:
//
// ARP reply (42 bytes and more): 0 dst MAC = ours  20 op 2  22 sender MAC  28 sender IP = the
//   address asked  32 target MAC = ours  38 target IP = the address our requests come from
// Neighbor Advertisement: 0 dst MAC = ours  38 IPv6 destination = one of ours (the link-local
//   address solicitations go out from, or the source)  58 flags: Solicited (0x40) set
//   62 target = the address asked
//
// What a forger on the link can still do (trawl.7 ARP SCAN): answer for an address we asked,
// as anyone on a LAN can (ARP has no secret to check), and put any MAC in it.
import type { NeighborAnswer } from './neighbor-answers';
import { formatIPv4 } from '../ipv4';
import { formatIPv6, ipv6FromBytes } from '../ipv6';
import { macVendor } from '../oui';

/** Our side of the link: the MAC, the IPv4 address ARP requests carry, our IPv6 addresses. */
export interface Ours { mac: Uint8Array; ip4: number | null; ip6: Uint8Array[] }

const be32 = (b: Uint8Array, o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

function same(b: Uint8Array, o: number, x: Uint8Array): boolean {
  for (let k = 0; k < x.length; k++) if (b[o + k] !== x[k]) return false;
  return true;
}

/** Whether frame b, already an answer by parseNeighborAnswer (so long enough for its family),
 *  is addressed to us as the answer to our own request is. */
export function answersUs(b: Uint8Array, family: 4 | 6, ours: Ours): boolean {
  if (!same(b, 0, ours.mac)) return false;
  if (family === 4) return ours.ip4 !== null && same(b, 32, ours.mac) && be32(b, 38) === ours.ip4;
  if ((b[58] & 0x40) === 0) return false;
  return ours.ip6.some((a) => same(b, 38, a));
}

/** "00:50:56:aa:bb:cc" */
export function formatMac(m: Uint8Array): string {
  let s = '';
  for (let k = 0; k < 6; k++) s += (k ? ':' : '') + m[k].toString(16).padStart(2, '0');
  return s;
}

/** The alive record of an answer (rttUs < 0: unknown), with the MAC's vendor when the OUI list has it. */
export function aliveRecord(a: NeighborAnswer, rttUs: number, timeUs: number, ouiFile?: string): Record<string, unknown> {
  const vendor = macVendor(a.mac, ouiFile);
  return {
    type: 'alive', ip: a.family === 4 ? formatIPv4(a.ip) : formatIPv6(ipv6FromBytes(a.ip6)), proto: a.family === 4 ? 'arp' : 'ndp',
    ...(rttUs >= 0 ? { rtt_us: Math.round(rttUs) } : {}), mac: formatMac(a.mac), ...(vendor !== null ? { vendor } : {}), time_us: Math.round(timeUs),
  };
}
