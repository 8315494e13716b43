// catch's records as NDJSON bytes: open, closed, unreachable, segment and sent (and the UDP
// answers' open, closed and unreachable with proto udp), each field in the
// record table's order (shared/records.ts, documented in trawl.7), written by hand into one reused buffer (ascii-out.ts) because at a
// million records a second JSON.stringify and string ropes cost more than the whole decode.
// The engine decides what to write; this module only knows how a record is spelled. Addresses
// are IPv4 numbers, or, after v6(), the IPv6 address of the next record in RFC 5952 text (and
// IPv6 records carry no ipid: IPv6 has none).
import { kindsString, TcpOptions } from '../packet/tcp-options';
import type { FieldName, RecordType } from '../records';
import { AsciiOut, Lit, lit, putBytes, putIp, putLit, putUint, putUint53 } from './ascii-out';
import { writeIPv6 } from '../targets/encode';

// Record fragments: the separator before a key, the key, and the quote that opens a string
// value. Keys are names of the record table (shared/records.ts); the order they are written in
// below is the table's (test/records.test.ts checks catch's output against it).
const start = (type: RecordType) => lit(`{"type":"${type}","ip":"`);
const key = (name: FieldName, lead = ',', open = '') => lit(`${lead}"${name}":${open}`);
const fixed = (name: FieldName, value: string) => lit(`,"${name}":${value}`);
const T_OPEN = start('open'), T_CLOSED = start('closed'), T_SEGMENT = start('segment'), T_UNREACH = start('unreachable');
const T_SENT = start('sent'), F_ACK = key('ack'), T_ALIVE = start('alive');
const F_PROTO_ICMP = lit('","proto":"icmp"'), F_RTT = key('rtt_us'), F_PROTO_UDP = fixed('proto', '"udp"');
const F_UDP_DATA = key('data', ',', '"');   // after len or truncated, not after a string
const F_PORT = key('port', '",'), F_SPORT = key('sport'), F_TTL = key('ttl'), F_WINDOW = key('window'), F_IPID = key('ipid');
const F_TSVAL = key('tsval'), F_TSECR = key('tsecr'), F_OUR_IP = key('our_ip', ',', '"'), F_ZERO = fixed('zero_window', 'true');
const F_SEQ = key('seq'), F_REPEAT = fixed('repeat', 'true'), F_OFFSET = key('offset');
const F_FROM = key('from', ',', '"'), F_ICMP_TYPE = key('icmp_type', '",'), F_ICMP_CODE = key('icmp_code');
const F_PROBE = key('probe'), F_LEN = key('len'), F_TRUNCATED = fixed('truncated', 'true');
const F_FLAGS = key('flags', ',', '"'), F_DATA = key('data', '",', '"');
const F_UNVALIDATED = fixed('validated', 'false'), F_TIME = key('time_us'), F_END = lit('}\n');

// The longest open/closed/unreachable record, and a segment's fixed part: reserved before a
// record is written, so the writes after it skip bounds checks.
const RECORD_MAX = 512;
const OPT_CACHE = 64;     // option layouts remembered (a power of two)

export class RecordsOut {
  private out = new AsciiOut();
  // The next record's IPv6 address (and `from`), 16 bytes at the offsets; null for IPv4.
  private a6: Uint8Array | null = null; private a6Off = 0;
  private f6: Uint8Array | null = null; private f6Off = 0;

  /** The next record is about the IPv6 address in a[off, off+16) (an unreachable record's
   *  `from` in f[foff, foff+16)). */
  v6(a: Uint8Array, off: number, f: Uint8Array | null = null, foff = 0): void {
    this.a6 = a; this.a6Off = off; this.f6 = f; this.f6Off = foff;
  }

  // Writes the record's address (ip, or the one v6() set, once) at b[p..].
  private addr(b: Uint8Array, p: number, ip: number): number {
    const a = this.a6;
    if (a === null) return putIp(b, p, ip);
    this.a6 = null;
    return putAddr6(b, p, a, this.a6Off);
  }
  private optK1 = new Int32Array(OPT_CACHE).fill(-1);
  private optK2 = new Int32Array(OPT_CACHE);
  private optFrag: Uint8Array[] = new Array(OPT_CACHE).fill(new Uint8Array(0));

  /** A record spelled elsewhere (catch-fast.cc's open records): b[start, end), which must not
   *  change before take(). */
  span(b: Uint8Array, start: number, end: number): void { this.out.span(b, start, end); }

  /** The records written since the last call, as bytes the caller may keep (empty if none), or
   *  with `view` bytes valid until the next record (AsciiOut.take). */
  take(view = false): Uint8Array { return this.out.take(view); }

  // type, ip, port and sport, which every reply record starts with (room reserved by the caller).
  private head(type: Lit, ip: number, port: number, sport: number): void {
    const o = this.out;
    o.lit(type); o.pos = this.addr(o.buf, o.pos, ip);
    o.lit(F_PORT); o.uint(port);
    o.lit(F_SPORT); o.uint(sport);
  }

  private tail(time: number, validated: boolean): void {
    const o = this.out;
    if (!validated) o.lit(F_UNVALIDATED);
    o.lit(F_TIME); o.uint53(time); o.lit(F_END);
  }

  // The hot record of a scan, written straight through with the position in a local.
  /** seq: the server's ISN; repeat: a second connection on a port already reported. */
  open(ip: number, port: number, sport: number, ttl: number, win: number, ipid: number, op: TcpOptions,
    seq: number, repeat: boolean, time: number, validated: boolean): void {
    const o = this.out;
    o.reserve(RECORD_MAX);
    const b = o.buf, dv = o.dv;
    let p = o.pos;
    const v6 = this.a6 !== null;
    p = putLit(dv, b, p, T_OPEN); p = this.addr(b, p, ip);
    p = putLit(dv, b, p, F_PORT); p = putUint(b, p, port);
    p = putLit(dv, b, p, F_SPORT); p = putUint(b, p, sport);
    p = putLit(dv, b, p, F_TTL); p = putUint(b, p, ttl);
    p = putLit(dv, b, p, F_WINDOW); p = putUint(b, p, win);
    if (!v6) { p = putLit(dv, b, p, F_IPID); p = putUint(b, p, ipid); }
    if (op.tsval >= 0) { p = putLit(dv, b, p, F_TSVAL); p = putUint(b, p, op.tsval); }
    p = putBytes(b, p, this.optionsBlock(op));
    if (win === 0) p = putLit(dv, b, p, F_ZERO);
    p = putLit(dv, b, p, F_SEQ); p = putUint(b, p, seq);
    if (repeat) p = putLit(dv, b, p, F_REPEAT);
    if (!validated) p = putLit(dv, b, p, F_UNVALIDATED);
    p = putLit(dv, b, p, F_TIME); p = putUint53(b, p, time); p = putLit(dv, b, p, F_END);
    o.pos = p;
  }

  /** The mss, wscale, sack_ok and options fields, rendered once per distinct option layout
   *  (a scan meets a handful of them, one per server OS) and kept in a small direct-mapped
   *  cache under an exact key of two small integers: kinds packed 4 bits each (up to 7 of
   *  them), and mss | wscale << 16. Other layouts are rendered every time. */
  private optionsBlock(op: TcpOptions): Uint8Array {
    let k1 = 0;
    if (op.n <= 7) {
      for (let i = 0; i < op.n; i++) { const c = op.kinds[i]; if (c > 14) { k1 = -1; break; } k1 = (k1 << 4) | (c + 1); }
    } else k1 = -1;
    const k2 = (op.mss < 0 ? 0 : op.mss) | ((op.wscale < 0 ? 0 : op.wscale + 1) << 16);
    const slot = (k1 ^ Math.imul(k2, 0x9e3779b1) >>> 26) & (OPT_CACHE - 1);
    if (k1 >= 0 && this.optK1[slot] === k1 && this.optK2[slot] === k2) return this.optFrag[slot];
    const kv = (name: FieldName, v: string | number | boolean) => `,"${name}":${typeof v === 'string' ? `"${v}"` : v}`;
    let s = '';
    if (op.mss >= 0) s += kv('mss', op.mss);
    if (op.wscale >= 0) s += kv('wscale', op.wscale);
    if (op.sackOk) s += kv('sack_ok', true);
    s += kv('options', kindsString(op));
    const f = lit(s).bytes;
    if (k1 >= 0) { this.optK1[slot] = k1; this.optK2[slot] = k2; this.optFrag[slot] = f; }
    return f;
  }

  closed(ip: number, port: number, sport: number, ttl: number, win: number, ipid: number, time: number, validated: boolean): void {
    const o = this.out;
    o.reserve(RECORD_MAX);
    const v6 = this.a6 !== null;
    this.head(T_CLOSED, ip, port, sport);
    o.lit(F_TTL); o.uint(ttl);
    o.lit(F_WINDOW); o.uint(win);
    if (!v6) { o.lit(F_IPID); o.uint(ipid); }
    this.tail(time, validated);
  }

  unreachable(ip: number, port: number, sport: number, from: number, icmpType: number, icmpCode: number, ttl: number,
    time: number, validated: boolean): void {
    const o = this.out;
    o.reserve(RECORD_MAX);
    const f6 = this.f6;
    this.head(T_UNREACH, ip, port, sport);
    o.lit(F_FROM);
    if (f6) { o.pos = putAddr6(o.buf, o.pos, f6, this.f6Off); this.f6 = null; } else o.ip(from);
    o.lit(F_ICMP_TYPE); o.uint(icmpType);
    o.lit(F_ICMP_CODE); o.uint(icmpCode);
    o.lit(F_TTL); o.uint(ttl);
    this.tail(time, validated);
  }

  /** An echo reply (proto icmp): its TTL and the round-trip time (rtt < 0: unknown). */
  alive(ip: number, ttl: number, rtt: number, time: number, validated: boolean): void {
    const o = this.out;
    o.reserve(RECORD_MAX);
    o.lit(T_ALIVE); o.pos = this.addr(o.buf, o.pos, ip);
    o.lit(F_PROTO_ICMP);
    o.lit(F_TTL); o.uint(ttl);
    if (rtt >= 0) { o.lit(F_RTT); o.uint53(rtt); }
    this.tail(time, validated);
  }

  /** One segment of a response: our the address it came to (after v6(), the one given there
   *  as f), probe the JSON text of the probe's name (and its probe_variant: catch/probe-names.ts), seq and ack the raw TCP numbers, tsval and
   *  tsecr its timestamps (-1: none), offset its place in the response (-1: unknown), data the
   *  bytes kept (len on the wire). The addresses, ack and timestamps are what a message sent
   *  back on the connection needs (banners' conversations, trawl.7). */
  segment(ip: number, port: number, sport: number, our: number, ttl: number, tsval: number, tsecr: number, probe: string,
    seq: number, ack: number, offset: number, len: number, data: Buffer, flags: string, time: number, validated: boolean): void {
    const o = this.out;
    const b64 = data.toString('base64');
    o.reserve(RECORD_MAX + probe.length + b64.length);
    this.head(T_SEGMENT, ip, port, sport);
    o.lit(F_OUR_IP);
    if (this.f6) { o.pos = putAddr6(o.buf, o.pos, this.f6, this.f6Off); this.f6 = null; } else o.ip(our);
    o.byte(34);
    o.lit(F_TTL); o.uint(ttl);
    if (tsval >= 0) { o.lit(F_TSVAL); o.uint(tsval); o.lit(F_TSECR); o.uint(tsecr); }
    o.lit(F_PROBE); o.str(probe);
    o.lit(F_SEQ); o.uint(seq);
    o.lit(F_ACK); o.uint(ack);
    if (offset >= 0) { o.lit(F_OFFSET); o.uint(offset); }
    o.lit(F_LEN); o.uint(len);
    if (data.length < len) o.lit(F_TRUNCATED);
    o.lit(F_FLAGS); o.str(flags);
    o.lit(F_DATA); o.str(b64); o.byte(34);
    this.tail(time, validated);
  }

  /** A data segment the scanner sent (--no-validate): seq and ack its own, data the bytes kept
   *  (len on the wire). Never validated: our own probes are known from the port's slot. */
  sent(ip: number, port: number, sport: number, ttl: number, seq: number, ack: number, len: number, data: Buffer, flags: string,
    time: number): void {
    const o = this.out;
    const b64 = data.toString('base64');
    o.reserve(RECORD_MAX + b64.length);
    this.head(T_SENT, ip, port, sport);
    o.lit(F_TTL); o.uint(ttl);
    o.lit(F_SEQ); o.uint(seq);
    o.lit(F_ACK); o.uint(ack);
    o.lit(F_LEN); o.uint(len);
    if (data.length < len) o.lit(F_TRUNCATED);
    o.lit(F_FLAGS); o.str(flags);
    o.lit(F_DATA); o.str(b64); o.byte(34);
    this.tail(time, false);
  }

  // type, ip, port, proto udp and sport: the start of every UDP record (catch/udp.ts).
  private udpHead(type: Lit, ip: number, port: number, sport: number): void {
    const o = this.out;
    o.lit(type); o.pos = this.addr(o.buf, o.pos, ip);
    o.lit(F_PORT); o.uint(port); o.lit(F_PROTO_UDP);
    o.lit(F_SPORT); o.uint(sport);
  }

  /** An answer to a UDP datagram (always validated): probe the JSON text of its payload's
   *  name, data the payload held (len on the wire). */
  udpOpen(ip: number, port: number, sport: number, ttl: number, probe: string, len: number, data: Buffer, time: number): void {
    const o = this.out, b64 = data.toString('base64');
    o.reserve(RECORD_MAX + probe.length + b64.length);
    this.udpHead(T_OPEN, ip, port, sport);
    o.lit(F_TTL); o.uint(ttl);
    o.lit(F_PROBE); o.str(probe);
    o.lit(F_LEN); o.uint(len);
    if (data.length < len) o.lit(F_TRUNCATED);
    o.lit(F_UDP_DATA); o.str(b64); o.byte(34);
    this.tail(time, true);
  }

  /** ICMP port unreachable quoting our datagram: the port is closed. */
  udpClosed(ip: number, port: number, sport: number, ttl: number, time: number): void {
    const o = this.out;
    o.reserve(RECORD_MAX);
    this.udpHead(T_CLOSED, ip, port, sport);
    o.lit(F_TTL); o.uint(ttl);
    this.tail(time, true);
  }

  /** Another destination unreachable quoting our datagram, from `from` (after v6(): its f). */
  udpUnreachable(ip: number, port: number, sport: number, from: number, icmpType: number, icmpCode: number, ttl: number,
    time: number): void {
    const o = this.out;
    o.reserve(RECORD_MAX);
    const f6 = this.f6;
    this.udpHead(T_UNREACH, ip, port, sport);
    o.lit(F_FROM);
    if (f6) { o.pos = putAddr6(o.buf, o.pos, f6, this.f6Off); this.f6 = null; } else o.ip(from);
    o.lit(F_ICMP_TYPE); o.uint(icmpType);
    o.lit(F_ICMP_CODE); o.uint(icmpCode);
    o.lit(F_TTL); o.uint(ttl);
    this.tail(time, true);
  }
}

// RFC 5952 text of the 16 bytes of a from off (shared/targets/encode.ts writes it).
function putAddr6(b: Uint8Array, p: number, a: Uint8Array, off: number): number {
  const w = (k: number) => ((a[off + k] << 24) | (a[off + k + 1] << 16) | (a[off + k + 2] << 8) | a[off + k + 3]) >>> 0;
  return writeIPv6(b, p, w(0), w(4), w(8), w(12));
}
