// AMQP: the protocol header a server answers with when it speaks another version, or 0-9-1 Connection.Start.
//
// header: "AMQP" | protocol id u8 | major u8 | minor u8 | revision u8
// frame:  type u8 (1 method) | channel u16 | size u32 | payload | 0xCE
// Connection.Start payload: class u16 (10) | method u16 (10) | version_major u8 | version_minor u8
//   | server_properties table (u32 length; entries: shortstr name | type u8 | value) | mechanisms longstr | locales longstr
import { lookup } from '../records';
import { BufferedSession, Fields, Parser, agreesWith } from './types';
import { clean } from './text';

const u32 = (b: Uint8Array, o: number) => ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];
// Fixed sizes of field-table value types we step over (AMQP 0-9-1 as RabbitMQ writes it).
const SIZES: Record<string, number> = { t: 1, b: 1, B: 1, s: 2, u: 2, I: 4, i: 4, l: 8, f: 4, d: 8, D: 5, T: 8, V: 0 };
const PROPS: Record<string, string> = { product: 'amqp_product', version: 'amqp_product_version', platform: 'amqp_platform', cluster_name: 'amqp_cluster' };

function parse(b: Uint8Array): Fields {
  const f: Fields = {};
  if (agreesWith(b, 'AMQP')) {
    if (b.length < 8) { f.amqp_partial = true; return f; }
    f.amqp_version = b[4] === 0 && b[5] === 0 ? `0-${b[6]}-${b[7]}` : `${b[5]}.${b[6]}.${b[7]}`;
    f.amqp_protocol_id = b[4];
    return f;
  }
  if (b.length < 11 || b[0] !== 1) return f;
  const size = u32(b, 3);
  const end = Math.min(b.length, 7 + size);
  if (7 + size > b.length) f.amqp_partial = true;
  if (((b[7] << 8) | b[8]) !== 10 || ((b[9] << 8) | b[10]) !== 10) return f;
  f.amqp_method = 'connection.start';
  if (end < 13) return f;
  f.amqp_version = `${b[11]}-${b[12]}`;   // 0-9-1 servers say major 0, minor 9
  if (end < 17) return f;
  const tEnd = Math.min(end, 17 + u32(b, 13));
  for (let o = 17; o < tEnd;) {
    const n = b[o];
    if (o + 1 + n + 1 > tEnd) break;
    const key = Buffer.from(b.subarray(o + 1, o + 1 + n)).toString('latin1');
    const type = String.fromCharCode(b[o + 1 + n]);
    o += 2 + n;
    if (type === 'S' || type === 'x' || type === 'F' || type === 'A') {
      if (o + 4 > tEnd) break;
      const len = u32(b, o);
      const prop = lookup(PROPS, key);
      if (type === 'S' && prop) f[prop] = clean(b, o + 4, Math.min(tEnd, o + 4 + len));
      o += 4 + len;
    } else if (Object.hasOwn(SIZES, type)) o += SIZES[type];
    else break; // an unknown type: its size is unknown, stop rather than guess
  }
  return f;
}

export const amqp: Parser = {
  name: 'amqp',
  ports: [5672],
  fields: ['amqp_version', 'amqp_protocol_id', 'amqp_method', 'amqp_product', 'amqp_product_version', 'amqp_platform', 'amqp_cluster', 'amqp_partial'],
  detect(b, probe, port) {
    if (agreesWith(b, 'AMQP')) return b.length >= 4 ? 3 : 2;
    const hinted = probe === 'amqp' || this.ports.includes(port);
    if (b.length >= 11 && b[0] === 1 && b[1] === 0 && b[2] === 0 && b[7] === 0 && b[8] === 10 && b[9] === 0 && b[10] === 10) return 3;
    return hinted ? 1 : 0;
  },
  start: () => new BufferedSession(parse, 16384),
};
