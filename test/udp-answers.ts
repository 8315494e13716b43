// The UDP answers the parser tests and fuzzers share: the fixtures captured from real daemons
// (test/fixtures/udp/capture.sh: named, ntpd, snmpd, memcached; capture-snmp-access.sh: snmpd's
// answers to a community without the view) and, for protocols without a daemon
// here, answers built byte by byte from their specs; and the open record catch writes for one.
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './helpers';
import { encodeNbName } from '../shared/udp/netbios';

export const UDP_FIXTURES = path.join(ROOT, 'test', 'fixtures', 'udp');
const fixture = (name: string) => new Uint8Array(fs.readFileSync(path.join(UDP_FIXTURES, `${name}.bin`)));

export interface UdpAnswer { name: string; probe: string; port: number; bytes: Uint8Array; service: string }

// SSDP (UDA 1.1 1.3.3): a unicast M-SEARCH answer as MiniUPnPd 2.x writes it (header order and
// spelling of miniupnpd/minissdp.c SendSSDPResponse).
export const SSDP_ANSWER = Buffer.from(
  'HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: upnp:rootdevice\r\n' +
  'USN: uuid:2b1c7a52-6e07-4b5e-9d3c-0242ac110002::upnp:rootdevice\r\nEXT:\r\n' +
  'SERVER: Debian/12 UPnP/1.1 MiniUPnPd/2.3.3\r\nLOCATION: http://198.18.0.9:5000/rootDesc.xml\r\n' +
  'OPT: "http://schemas.upnp.org/upnp/cp/UPnP/1.0/"; ns=01\r\n01-NLS: 1\r\nBOOTID.UPNP.ORG: 1\r\nCONFIGID.UPNP.ORG: 1337\r\n\r\n', 'latin1');

/** A NetBIOS node status response (RFC 1002 4.2.18) as Windows and Samba's nmbd send it: ID,
 *  flags 0x8400 (response, authoritative), one answer named "*", NBSTAT IN, TTL 0, the name
 *  table (15-byte names padded with spaces, suffix, flags: 0x0400 active, 0x8000 group), then
 *  the 46 bytes of statistics whose first 6 are the unit ID (Windows' MAC; nmbd writes zeros). */
export function nbstatAnswer(id: number, names: [string, number, boolean][], mac: number[]): Uint8Array {
  const table = names.flatMap(([n, suffix, group]) =>
    [...Buffer.from(n.padEnd(15, ' '), 'latin1'), suffix, group ? 0x84 : 0x04, 0]);
  const rdata = [names.length, ...table, ...mac, ...new Array(40).fill(0)];
  return Uint8Array.from([
    id >> 8, id & 0xff, 0x84, 0x00, 0, 0, 0, 1, 0, 0, 0, 0,
    32, ...encodeNbName(Uint8Array.of(0x2a)), 0,
    0, 0x21, 0, 1, 0, 0, 0, 0, rdata.length >> 8, rdata.length & 0xff, ...rdata,
  ]);
}
const NB_NAMES: [string, number, boolean][] = [
  ['TRAWLHOST', 0x00, false], ['TRAWLHOST', 0x03, false], ['TRAWLHOST', 0x20, false],
  ['WORKGROUP', 0x00, true], ['WORKGROUP', 0x1e, true],
];
export const NBSTAT_ANSWER = nbstatAnswer(0x1234, NB_NAMES, [0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);
export const NBSTAT_SAMBA = nbstatAnswer(0x4321, NB_NAMES, [0, 0, 0, 0, 0, 0]);

/** An mDNS answer to a legacy unicast query (RFC 6762 6.7) as Avahi sends it: our ID, flags
 *  0x8400 (response, authoritative), the question repeated, TTLs of at most 10 s; the DNS-SD
 *  service list (RFC 6763 9) as two PTR records, their names compressed against the question's
 *  "local" (offset 35). */
export const MDNS_ANSWER = Uint8Array.from([
  0x56, 0x78, 0x84, 0x00, 0, 1, 0, 2, 0, 0, 0, 0,
  9, ...Buffer.from('_services'), 7, ...Buffer.from('_dns-sd'), 4, ...Buffer.from('_udp'), 5, ...Buffer.from('local'), 0, 0, 12, 0, 1,
  0xc0, 12, 0, 12, 0, 1, 0, 0, 0, 10, 0, 13, 5, ...Buffer.from('_http'), 4, ...Buffer.from('_tcp'), 0xc0, 35,
  0xc0, 12, 0, 12, 0, 1, 0, 0, 0, 10, 0, 12, 4, ...Buffer.from('_ssh'), 4, ...Buffer.from('_tcp'), 0xc0, 35,
]);

/** Every answer of these tests: fixture or built, the probe that drew it, its port. */
export const ANSWERS: UdpAnswer[] = [
  { name: 'dns-version', probe: 'dns-version', port: 53, bytes: fixture('dns-version'), service: 'dns' },
  { name: 'dns-a', probe: 'dns', port: 53, bytes: fixture('dns-a'), service: 'dns' },
  { name: 'ntp', probe: 'ntp', port: 123, bytes: fixture('ntp'), service: 'ntp' },
  { name: 'snmp-v1', probe: 'snmp-v1', port: 161, bytes: fixture('snmp-v1'), service: 'snmp' },
  { name: 'snmp-v2c', probe: 'snmp-v2c', port: 161, bytes: fixture('snmp-v2c'), service: 'snmp' },
  { name: 'snmp-v2c-negative', probe: 'snmp-v2c', port: 161, bytes: fixture('snmp-v2c-negative'), service: 'snmp' },
  { name: 'snmp-v3', probe: 'snmp-v3', port: 161, bytes: fixture('snmp-v3'), service: 'snmp' },
  { name: 'memcached', probe: 'memcached', port: 11211, bytes: fixture('memcached'), service: 'memcached' },
  { name: 'mdns (built)', probe: 'mdns', port: 5353, bytes: MDNS_ANSWER, service: 'dns' },
  { name: 'ssdp (built)', probe: 'ssdp', port: 1900, bytes: new Uint8Array(SSDP_ANSWER), service: 'ssdp' },
  { name: 'netbios (built)', probe: 'netbios', port: 137, bytes: NBSTAT_ANSWER, service: 'netbios' },
  { name: 'netbios samba (built)', probe: 'netbios', port: 137, bytes: NBSTAT_SAMBA, service: 'netbios' },
  // snmpd asked with a community whose view lacks sysDescr (capture-snmp-access.sh).
  { name: 'snmp-v1-noview', probe: 'snmp-v1', port: 161, bytes: fixture('snmp-v1-noview'), service: 'snmp' },
  { name: 'snmp-v2c-noview', probe: 'snmp-v2c', port: 161, bytes: fixture('snmp-v2c-noview'), service: 'snmp' },
];
/** The open record catch writes for a UDP answer. */
export function udpOpen(a: { probe: string; port: number; bytes: Uint8Array }, ip = '198.18.0.9', extra: object = {}) {
  return { type: 'open', ip, port: a.port, proto: 'udp', sport: 40000 + a.port % 1000, ttl: 64, time_us: 1764900000000000,
    probe: a.probe, data: Buffer.from(a.bytes).toString('base64'), ...extra };
}
