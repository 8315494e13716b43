// NetBIOS node status responses (RFC 1002 4.2.18): the names a host registered, each with its
// suffix (the service: <00> workstation, <20> file server, <1d> master browser...) and whether it
// is a group name, then the MAC address (Samba answers with zeros).
//
//   0  NAME_TRN_ID[2]  flags[2] (R=0x8000)  QD[2] AN[2] NS[2] AR[2]
//  12  RR_NAME (0x20 + 32 encoded bytes + 00, or a 2-byte pointer)  RR_TYPE[2]=0x21  RR_CLASS[2]  TTL[4]
//      RDLENGTH[2]  NUM_NAMES[1]  NODE_NAME[18] * NUM_NAMES: name[15] suffix[1] flags[2] (G=0x8000)
//      STATISTICS: UNIT_ID[6] (the MAC) ...
import { Fields, Parser, BufferedSession } from './types';
import { cleanString } from './text';

// A list field holds at most 64 items (NUM_NAMES is a byte: up to 255); hosts register a dozen.
const MAX_NAMES = 64;

function parseNetbios(b: Uint8Array): Fields {
  const f: Fields = {};
  if (b.length < 12 || !(b[2] & 0x80) || ((b[6] << 8) | b[7]) === 0) return f;
  let p = 12;
  if ((b[p] & 0xc0) === 0xc0) p += 2;
  else {
    // Labels up to the root; the wildcard's is one 32-byte label.
    for (let n = 0; n < 64 && p < b.length && b[p] !== 0; n++) p += 1 + b[p];
    p += 1;
  }
  if (p + 10 > b.length || ((b[p] << 8) | b[p + 1]) !== 0x21) return f;
  const rdlen = (b[p + 8] << 8) | b[p + 9];
  p += 10;
  const end = Math.min(b.length, p + rdlen);
  if (p >= end) return f;
  const count = b[p++];
  const names: string[] = [];
  let read = 0;
  for (; read < count && p + 18 <= end; read++, p += 18) {
    if (names.length === MAX_NAMES) continue;    // walked over to the MAC, not kept
    let name = '';
    for (let k = 0; k < 15; k++) name += String.fromCharCode(b[p + k]);
    name = cleanString(name.replace(/[\x00 ]+$/, ''));
    const suffix = b[p + 15], group = (b[p + 16] & 0x80) !== 0;
    names.push(`${name}<${suffix.toString(16).padStart(2, '0')}>${group ? ' group' : ''}`);
    if (suffix === 0 && !group && f.netbios_name === undefined) f.netbios_name = name;
    if (suffix === 0 && group && f.netbios_workgroup === undefined) f.netbios_workgroup = name;
  }
  if (names.length) f.netbios_names = names;
  if (p + 6 <= end && read === count) {
    f.netbios_mac = Array.from(b.subarray(p, p + 6), (x) => x.toString(16).padStart(2, '0')).join(':');
  }
  return f;
}

export const netbios: Parser = {
  name: 'netbios',
  ports: [137],
  fields: ['netbios_name', 'netbios_workgroup', 'netbios_names', 'netbios_mac'],
  detect(b, probe, port) {
    // A response whose answer is named by one 32-byte encoded label and typed NBSTAT (0x21): a
    // signature, so it beats the DNS parser, which reads the same header as well.
    if (b.length >= 13 + 32 && b[2] & 0x80 && b[12] === 0x20) return b.length >= 48 && b[45] === 0 && b[46] === 0 && b[47] === 0x21 ? 3 : 2;
    return probe === 'netbios' || this.ports.includes(port) ? 1 : 0;
  },
  start: () => new BufferedSession(parseNetbios, 8192),   // 255 names of 18 bytes and the statistics fit
};
