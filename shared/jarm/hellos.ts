// The ten ClientHellos of JARM (salesforce/jarm, v1.0), one per probe variant 0..9, rebuilt from
// the reference's description: the same versions, cipher lists and orders, GREASE places,
// extensions, ALPN lists and supported_versions. Where the reference draws random bytes (random,
// session id, key share, which GREASE value) we take them from the scan key, so a hello is a
// function of the key, the variant and the server name alone.
//
// Record (5):    16 | record version u16 | length u16
// Handshake (4): 01 | length u24
// Hello:         version u16 | random[32] | 20 session_id[32] | suites<u16> | 01 00
//                | extensions<u16>: [GREASE(0)] server_name, extended_master_secret,
//                max_fragment_length(2^9), renegotiation_info, supported_groups(x25519 P-256
//                P-384 P-521), ec_point_formats, session_ticket, ALPN, signature_algorithms,
//                key_share([GREASE] x25519), psk_key_exchange_modes(psk_dhe_ke),
//                [supported_versions]
// The server_name holds the host the reference was given: by default the target's address as
// text (blast inserts it, and adds its length to the six lengths before it: record, handshake,
// extensions, server_name, its list and the name), or --sni's name for every target.
import { createHmac } from 'node:crypto';
import { concat } from '../probes/types';
import type { ProbePayload } from '../probes/types';

type Order = 'FORWARD' | 'REVERSE' | 'TOP_HALF' | 'BOTTOM_HALF' | 'MIDDLE_OUT';

export interface JarmSpec {
  name: string;               // the reference's name for this hello
  version: 'TLS_1.1' | 'TLS_1.2' | 'TLS_1.3';
  suites: 'ALL' | 'NO1.3';
  order: Order;               // of the suites
  grease: boolean;
  rareAlpn: boolean;          // ALPN without http/1.1, h2
  versions: '1.2_SUPPORT' | 'NO_SUPPORT' | '1.3_SUPPORT';
  extOrder: 'FORWARD' | 'REVERSE';   // of the ALPN and supported_versions lists
}

const spec = (name: string, version: JarmSpec['version'], suites: JarmSpec['suites'], order: Order, grease: boolean,
  rareAlpn: boolean, versions: JarmSpec['versions'], extOrder: JarmSpec['extOrder']): JarmSpec =>
  ({ name, version, suites, order, grease, rareAlpn, versions, extOrder });

/** The ten hellos in the reference's order: variant v is JARM_SPECS[v]. */
export const JARM_SPECS: readonly JarmSpec[] = [
  spec('tls1_2_forward', 'TLS_1.2', 'ALL', 'FORWARD', false, false, '1.2_SUPPORT', 'REVERSE'),
  spec('tls1_2_reverse', 'TLS_1.2', 'ALL', 'REVERSE', false, false, '1.2_SUPPORT', 'FORWARD'),
  spec('tls1_2_top_half', 'TLS_1.2', 'ALL', 'TOP_HALF', false, false, 'NO_SUPPORT', 'FORWARD'),
  spec('tls1_2_bottom_half', 'TLS_1.2', 'ALL', 'BOTTOM_HALF', false, true, 'NO_SUPPORT', 'FORWARD'),
  spec('tls1_2_middle_out', 'TLS_1.2', 'ALL', 'MIDDLE_OUT', true, true, 'NO_SUPPORT', 'REVERSE'),
  spec('tls1_1_middle_out', 'TLS_1.1', 'ALL', 'FORWARD', false, false, 'NO_SUPPORT', 'FORWARD'),
  spec('tls1_3_forward', 'TLS_1.3', 'ALL', 'FORWARD', false, false, '1.3_SUPPORT', 'REVERSE'),
  spec('tls1_3_reverse', 'TLS_1.3', 'ALL', 'REVERSE', false, false, '1.3_SUPPORT', 'FORWARD'),
  spec('tls1_3_invalid', 'TLS_1.3', 'NO1.3', 'FORWARD', false, false, '1.3_SUPPORT', 'FORWARD'),
  spec('tls1_3_middle_out', 'TLS_1.3', 'ALL', 'MIDDLE_OUT', true, false, '1.3_SUPPORT', 'REVERSE'),
];

// The reference's "ALL" list in its order; "NO1.3" is the same without the TLS 1.3 suites 0x13xx.
const ALL_SUITES = [
  0x0016, 0x0033, 0x0067, 0xc09e, 0xc0a2, 0x009e, 0x0039, 0x006b, 0xc09f, 0xc0a3, 0x009f, 0x0045, 0x00be, 0x0088,
  0x00c4, 0x009a, 0xc008, 0xc009, 0xc023, 0xc0ac, 0xc0ae, 0xc02b, 0xc00a, 0xc024, 0xc0ad, 0xc0af, 0xc02c, 0xc072,
  0xc073, 0xcca9, 0x1302, 0x1301, 0xcc14, 0xc007, 0xc012, 0xc013, 0xc027, 0xc02f, 0xc014, 0xc028, 0xc030, 0xc060,
  0xc061, 0xc076, 0xc077, 0xcca8, 0x1305, 0x1304, 0x1303, 0xcc13, 0xc011, 0x000a, 0x002f, 0x003c, 0xc09c, 0xc0a0,
  0x009c, 0x0035, 0x003d, 0xc09d, 0xc0a1, 0x009d, 0x0041, 0x00ba, 0x0084, 0x00c0, 0x0007, 0x0004, 0x0005,
];
const NO13_SUITES = ALL_SUITES.filter((s) => (s >> 8) !== 0x13);

// ALPN names from weakest to strongest; the rare list leaves out http/1.1 and h2.
const ALPNS = ['http/0.9', 'http/1.0', 'http/1.1', 'spdy/1', 'spdy/2', 'spdy/3', 'h2', 'h2c', 'hq'];
const RARE_ALPNS = ['http/0.9', 'http/1.0', 'spdy/1', 'spdy/2', 'spdy/3', 'h2c', 'hq'];

/** Reorders a list as the reference's cipher_mung does (also used for ALPN and versions). */
export function reorder<T>(xs: readonly T[], order: Order): T[] {
  const n = xs.length, half = Math.floor(n / 2);
  switch (order) {
    case 'FORWARD': return [...xs];
    case 'REVERSE': return [...xs].reverse();
    case 'BOTTOM_HALF': return xs.slice(n % 2 === 1 ? half + 1 : half);
    // The top half backwards, led by the middle one when n is odd.
    case 'TOP_HALF': return [...(n % 2 === 1 ? [xs[half]] : []), ...reorder(reorder(xs, 'REVERSE'), 'BOTTOM_HALF')];
    case 'MIDDLE_OUT': {
      // From the middle outwards, the later side first.
      const out: T[] = [];
      if (n % 2 === 1) {
        out.push(xs[half]);
        for (let i = 1; i <= half; i++) out.push(xs[half + i], xs[half - i]);
      } else {
        for (let i = 1; i <= half; i++) out.push(xs[half - 1 + i], xs[half - i]);
      }
      return out;
    }
  }
}

const u8 = (...b: number[]) => Uint8Array.from(b);
const u16 = (v: number) => u8(v >> 8, v & 0xff);
const ascii = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));
const ext = (type: number, body: Uint8Array) => concat([u16(type), u16(body.length), body]);

/** The bytes the reference draws at random, from the scan key: random, session id, key share
 *  and the four GREASE values (cipher, extension, key share, versions), each 0x?a?a. */
export interface JarmRandom { random: Uint8Array; sessionId: Uint8Array; share: Uint8Array; grease: number[] }

export function jarmRandom(key: Uint8Array, variant: number): JarmRandom {
  const h = (label: string) => new Uint8Array(createHmac('sha256', key).update(`trawl jarm ${variant} ${label}`).digest());
  const g = h('grease');
  return {
    random: h('random'), sessionId: h('session id'), share: h('key share'),
    grease: [0, 1, 2, 3].map((i) => ((g[i] & 0xf0) | 0x0a) * 0x101),
  };
}

/** Where the parts of a hello lie: the offset of the server name, and the six lengths that grow with it. */
export interface JarmHello { bytes: Uint8Array; nameAt: number; lengthsAt: number[] }

/** Variant v's hello with `host` as its server name (the reference sends what it was given, an IP too). */
export function jarmHello(s: JarmSpec, r: JarmRandom, host: string): JarmHello {
  const record = s.version === 'TLS_1.1' ? 0x0302 : s.version === 'TLS_1.2' ? 0x0303 : 0x0301;
  const hello = s.version === 'TLS_1.1' ? 0x0302 : 0x0303;
  let suites = reorder(s.suites === 'ALL' ? ALL_SUITES : NO13_SUITES, s.order);
  if (s.grease) suites = [r.grease[0], ...suites];

  const name = ascii(host);
  const alpns = reorder(s.rareAlpn ? RARE_ALPNS : ALPNS, s.extOrder);
  const alpnList = concat(alpns.map((a) => concat([u8(a.length), ascii(a)])));
  const share = concat([...(s.grease ? [u16(r.grease[2]), u8(0, 1, 0)] : []), u16(0x001d), u16(32), r.share]);
  const exts: Uint8Array[] = [];
  if (s.grease) exts.push(ext(r.grease[1], new Uint8Array(0)));
  const sniAt = exts.reduce((n, e) => n + e.length, 0);
  exts.push(
    ext(0x0000, concat([u16(name.length + 3), u8(0), u16(name.length), name])),
    ext(0x0017, new Uint8Array(0)),
    ext(0x0001, u8(1)),
    ext(0xff01, u8(0)),
    ext(0x000a, concat([u16(8), u16(0x001d), u16(0x0017), u16(0x0018), u16(0x0019)])),
    ext(0x000b, u8(1, 0)),
    ext(0x0023, new Uint8Array(0)),
    ext(0x0010, concat([u16(alpnList.length), alpnList])),
    ext(0x000d, concat([u16(0x12), ...[0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0201].map(u16)])),
    ext(0x0033, concat([u16(share.length), share])),
    ext(0x002d, u8(1, 1)),
  );
  if (s.version === 'TLS_1.3' || s.versions === '1.2_SUPPORT') {
    const vs = reorder(s.versions === '1.2_SUPPORT' ? [0x0301, 0x0302, 0x0303] : [0x0301, 0x0302, 0x0303, 0x0304], s.extOrder);
    const list = concat([...(s.grease ? [u16(r.grease[3])] : []), ...vs.map(u16)]);
    exts.push(ext(0x002b, concat([u8(list.length), list])));
  }
  const extBytes = concat(exts);
  const head = concat([u16(hello), r.random, u8(32), r.sessionId, u16(suites.length * 2), ...suites.map(u16), u8(1, 0)]);
  const body = concat([head, u16(extBytes.length), extBytes]);
  const bytes = concat([u8(0x16), u16(record), u16(body.length + 4), u8(1, 0), u16(body.length), body]);
  // Offsets: record length 3, handshake length's low 16 bits 7, then within the body (at 9).
  const extLenAt = 9 + head.length, sni = extLenAt + 2 + sniAt;
  return { bytes, nameAt: sni + 9, lengthsAt: [3, 7, extLenAt, sni + 2, sni + 4, sni + 7] };
}

/** Variant v's probe payload: with a fixed server name the whole hello; else a template blast
 *  completes with each target's address (bare, IPv6 without brackets), fixing the six lengths. */
export function jarmPayload(key: Uint8Array, variant: number, sni?: string): ProbePayload {
  const r = jarmRandom(key, variant), s = JARM_SPECS[variant];
  if (sni !== undefined) return { before: jarmHello(s, r, sni).bytes };
  const h = jarmHello(s, r, '');
  return { before: h.bytes.subarray(0, h.nameAt), after: h.bytes.subarray(h.nameAt), fix: h.lengthsAt, bare: true };
}
