// A UDP answer as nmap's rules expect to see it. nmap's Probe UDP requests carry fixed IDs that
// the server copies back (NBTStat's transaction ID 0x80f0, DNSVersionBindReq's 0x0006, DNS-SD's 0,
// SNMPv3GetRequest's msgID 0x4a69 as a 2-byte INTEGER, memcached's request ID 1), and its match
// rules are written on those bytes (29 NetBIOS and 21 SNMPv3 rules anchor on them); trawl's
// requests carry the cookie there instead. So, for nmap's rules only, the echoed field of an
// answer is set back to what nmap's own request had; the parsers read the bytes as they came.
//
// SNMPv3: 30 L { 02 01 03  30 L2 { 02 03 01 XX XX (trawl's msgID) ... } ... } becomes
//         30 L-1 { 02 01 03  30 L2-1 { 02 02 4A 69 ... } ... }, lengths re-encoded.
import { readTlv, tlv } from '../udp/ber';

/** Bytes [offset, ...] nmap's request of the same question has in the field the answer echoes. */
const FIXED_ID: Record<string, [number, number[]]> = {
  'dns-version': [0, [0x00, 0x06]],
  mdns: [0, [0x00, 0x00]],
  netbios: [0, [0x80, 0xf0]],
  memcached: [0, [0x00, 0x01]],
};

function snmpV3(b: Uint8Array): Uint8Array {
  const msg = readTlv(b, 0, b.length);
  if (!msg || msg.tag !== 0x30 || msg.end !== b.length) return b;
  const ver = readTlv(b, msg.start, msg.end);
  const header = ver && ver.tag === 0x02 ? readTlv(b, ver.end, msg.end) : null;
  const id = header && header.tag === 0x30 ? readTlv(b, header.start, header.end) : null;
  // Only trawl's own shape, 02 03 01 XX XX: the answer then only shrinks.
  if (!ver || !header || !id || id.tag !== 0x02 || id.end - id.start !== 3 || b[id.start] !== 1) return b;
  const newHeader = tlv(0x30, [0x02, 2, 0x4a, 0x69], b.subarray(id.end, header.end));
  return tlv(0x30, b.subarray(msg.start, ver.end), newHeader, b.subarray(header.end, msg.end));
}

/** The answer with nmap's request's ID where the answer to trawl's module echoes the cookie
 *  (the same bytes when the probe has no such field or the answer is not of its shape). */
export function asNmapSent(b: Uint8Array, probe: string | null): Uint8Array {
  if (probe === 'snmp-v3') return snmpV3(b);
  const fixed = probe !== null && Object.hasOwn(FIXED_ID, probe) ? FIXED_ID[probe] : undefined;
  if (!fixed) return b;
  const [at, bytes] = fixed;
  if (b.length < at + bytes.length) return b;
  const out = Uint8Array.from(b);
  out.set(bytes, at);
  return out;
}
