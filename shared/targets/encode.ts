// Byte-level writers for target records, so the hot loop builds no per-record strings:
// {"type":"target","ip":"198.18.0.7","port":80,"i":0} (UDP: "port":53,"proto":"udp"; ICMP echo: "proto":"icmp", ARP: "proto":"arp", no port)
import { longestZeroRun } from '../ipv6';
import { putIp } from '../ascii';
import { PROTO_NAMES, portOfKey, protoOfKey } from './ports';

// Constant parts are written byte by byte with literal values: V8 compiles those to plain
// stores, about five times faster than a copy loop over a 23-byte array.

/** `{"type":"target","ip":"` */
export function writePrefix(b: Uint8Array, p: number): number {
  b[p] = 123; b[p + 1] = 34; b[p + 2] = 116; b[p + 3] = 121; b[p + 4] = 112; b[p + 5] = 101;
  b[p + 6] = 34; b[p + 7] = 58; b[p + 8] = 34; b[p + 9] = 116; b[p + 10] = 97; b[p + 11] = 114;
  b[p + 12] = 103; b[p + 13] = 101; b[p + 14] = 116; b[p + 15] = 34; b[p + 16] = 44;
  b[p + 17] = 34; b[p + 18] = 105; b[p + 19] = 112; b[p + 20] = 34; b[p + 21] = 58; b[p + 22] = 34;
  return p + 23;
}

/** `,"i":` */
export function writeIndexKey(b: Uint8Array, p: number): number {
  b[p] = 44; b[p + 1] = 34; b[p + 2] = 105; b[p + 3] = 34; b[p + 4] = 58;
  return p + 5;
}

/**
 * What follows the address of each port key of the scan, ready to copy: `","port":80` for TCP,
 * `","port":53,"proto":"udp"` for UDP, `","proto":"icmp"` for the ICMP echo target and
 * `","proto":"arp"` for the ARP target (no port).
 * At most 32 bytes a key.
 */
export class PortDigits {
  readonly digits: Uint8Array;
  readonly len: Uint8Array;

  constructor(keys: number[]) {
    this.digits = new Uint8Array(keys.length * 32);
    this.len = new Uint8Array(keys.length);
    keys.forEach((key, j) => {
      const proto = PROTO_NAMES[protoOfKey(key)];
      const s = proto === 'icmp' || proto === 'arp' ? `","proto":"${proto}"` : `","port":${portOfKey(key)}${proto === 'tcp' ? '' : `,"proto":"${proto}"`}`;
      this.len[j] = s.length;
      for (let k = 0; k < s.length; k++) this.digits[j * 32 + k] = s.charCodeAt(k);
    });
  }

  write(b: Uint8Array, p: number, j: number): number {
    const d = this.digits, base = j * 32, len = this.len[j];
    for (let k = 0; k < len; k++) b[p + k] = d[base + k];
    return p + len;
  }
}

/**
 * A decimal counter kept as ASCII digits, so writing a record's running index costs a copy and
 * an add with carry instead of a conversion. For steps below 2^31 (shard counts).
 */
export class AsciiCounter {
  private readonly dig = new Uint8Array(20).fill(48);
  private start = 19;

  constructor(v: number) {
    const s = String(v);
    this.start = 20 - s.length;
    for (let k = 0; k < s.length; k++) this.dig[this.start + k] = s.charCodeAt(k);
  }

  add(step: number): void {
    const dig = this.dig;
    let k = 19, s = step, carry = 0;
    while (s > 0 || carry > 0) {
      const q = (s / 10) | 0;
      const d = dig[k] - 48 + (s - q * 10) + carry;
      s = q;
      if (d >= 10) { dig[k] = d + 38; carry = 1; } else { dig[k] = d + 48; carry = 0; }
      k--;
    }
    if (k + 1 < this.start) this.start = k + 1;
  }

  write(buf: Uint8Array, p: number): number {
    const dig = this.dig;
    for (let k = this.start; k < 20; k++) buf[p++] = dig[k];
    return p;
  }
}

const HEX = new Uint8Array([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

function hextet(b: Uint8Array, p: number, g: number): number {
  if (g >= 0x1000) b[p++] = HEX[g >>> 12];
  if (g >= 0x100) b[p++] = HEX[(g >>> 8) & 15];
  if (g >= 0x10) b[p++] = HEX[(g >>> 4) & 15];
  b[p++] = HEX[g & 15];
  return p;
}

const groups = new Uint16Array(8);

/**
 * Writes the IPv6 address held in four 32-bit words (w0 most significant) in the same RFC 5952
 * form as formatIPv6, without BigInt: lower-case hex, no leading zeros, the first longest run
 * of two or more zero groups as "::", IPv4-mapped addresses with their dotted quad.
 */
export function writeIPv6(b: Uint8Array, p: number, w0: number, w1: number, w2: number, w3: number): number {
  if (w0 === 0 && w1 === 0 && w2 === 0xffff) {
    b[p] = 58; b[p + 1] = 58; b[p + 2] = 102; b[p + 3] = 102; b[p + 4] = 102; b[p + 5] = 102; b[p + 6] = 58;
    return putIp(b, p + 7, w3);
  }
  const g = groups;
  g[0] = w0 >>> 16; g[1] = w0 & 0xffff; g[2] = w1 >>> 16; g[3] = w1 & 0xffff;
  g[4] = w2 >>> 16; g[5] = w2 & 0xffff; g[6] = w3 >>> 16; g[7] = w3 & 0xffff;
  const [best, bestLen] = longestZeroRun(g);
  for (let k = 0; k < 8; k++) {
    if (k === best) {
      b[p++] = 58; b[p++] = 58;
      k += bestLen - 1;
      continue;
    }
    if (k > 0 && k !== best + bestLen) b[p++] = 58;
    p = hextet(b, p, g[k]);
  }
  return p;
}
