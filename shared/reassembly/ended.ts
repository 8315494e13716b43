// Whether a response has ended by its own protocol's framing, judged from its contiguous prefix as
// it grows, at a small cost per segment: HTTP (status without a body, Content-Length reached, the
// last chunk), a TLS flight in clear (a record ending in ServerHelloDone, a fatal alert), a TLS 1.3
// flight decrypted as it comes (its Finished, with the scan key's secrets: tlsFor) and a
// server-first greeting (ssh, ftp, smtp, pop3, imap) up to its final line, after which catch
// resets the connection (shared/greeting.ts), and the redis probe's RESP reply (a bulk string
// of its length, a one-line status or error). The table then writes the connection at once
// instead of holding it until its idle time: at 100% answering targets on the banner testbed
// the redis answers, held until their idle time, were 4,096 of the 4,794 connections in the
// table at its peak (21 MB of 21.3).
//
// TLS record: type u8 | version u16 | length u16 | fragment;  ServerHelloDone: 0e 00 00 00
// RESP reply: "+text\r\n" | "-error\r\n" | ":integer\r\n" | "$len\r\n" len bytes "\r\n" | "$-1\r\n"
import { BodyReader } from '../parsers/http-body';
import type { Stream } from './stream';
import { greetingComplete, greetingStart } from '../greeting';
import { TlsClient, type TlsClientOptions, type TlsResult } from '../tls/client';
import type { AnyRecord } from '../records';

/** How a connection's TLS 1.3 answer is read (banners with --key-file: the probe's secrets and
 *  ClientHello, the parse's limits), or undefined when it cannot be. */
export type TlsFor = (meta: AnyRecord) => TlsClientOptions | undefined;

const MAX_HEAD = 16 * 1024;      // HTTP headers looked for in this many bytes, then never again
const MAX_RECORDS = 64;          // TLS records walked before giving up
const LAST_CHUNK = [0x30, 0x0d, 0x0a, 0x0d, 0x0a];   // "0\r\n\r\n"

const enum Kind { UNKNOWN, HTTP, TLS, TLS13, GREETING, SSH_KEX, RESP, NONE }
const MAX_GREETING_LINE = 1024;   // the final line looked for in the last bytes
const MAX_SSH_HEAD = 17 * 1024;   // ssh: the identification line looked for in this many bytes
const MAX_RESP_LINE = 1024;       // resp: a status line or a bulk string's header looked for in this many bytes

export class EndDetector {
  private kind = Kind.UNKNOWN;
  private bodyAt = 0;            // http: where the body starts
  private until = -1;            // http: where a Content-Length body ends
  private chunked = false;
  private at = 0;                // tls: the next record header
  private records = 0;
  private respEnd = -1;          // resp: where the reply ends, once its header was read
  private client?: TlsClient;    // tls13: our client's read of the flight, from offset 0
  private pushed = 0;            // tls13: bytes given to it

  /** meta: the connection's first segment's record. An ssh probe's answer goes on past the
   *  identification line (the server's KEXINIT): it ends with the first binary packet after that
   *  line. tlsFor: how to decrypt a TLS 1.3 flight, whose end is sealed. */
  constructor(private meta: AnyRecord, private tlsFor?: TlsFor) {
    if (meta.probe === 'ssh') this.kind = Kind.SSH_KEX; else if (meta.probe === 'redis') this.kind = Kind.RESP;
  }

  /** Bytes the TLS 1.3 read holds (records and a handshake message not yet whole): counted in --max-bytes. */
  get heldBytes(): number { return this.client?.heldBytes ?? 0; }

  /** The TLS 1.3 read of the whole prefix (the same a read of the banner's bytes gives), so the
   *  banner's parse need not decrypt the flight again; undefined when there is none. */
  read(st: Stream): TlsResult | undefined {
    return this.client && this.pushed === st.contiguous ? this.client.result : undefined;
  }

  /** True once the bytes held from offset 0 make a whole response. */
  ended(st: Stream): boolean {
    const n = st.contiguous;
    if (this.kind === Kind.SSH_KEX) return this.sshKex(st, n);
    if (this.kind === Kind.RESP) return this.resp(st, n);
    if (this.kind === Kind.UNKNOWN && n >= 5) {
      const h = st.slice(0, 5);
      this.kind = h[0] === 0x48 && h[1] === 0x54 && h[2] === 0x54 && h[3] === 0x50 && h[4] === 0x2f ? Kind.HTTP
        : (h[0] === 0x16 || h[0] === 0x15) && h[1] === 3 ? Kind.TLS
          : greetingStart(st.slice(0, Math.min(n, 16))) ? Kind.GREETING : Kind.NONE;
    }
    if (this.kind === Kind.GREETING) {
      const tail = st.slice(Math.max(0, n - MAX_GREETING_LINE), n);
      return greetingComplete(tail, 0, tail.length);
    }
    if (this.kind === Kind.HTTP) return this.http(st, n);
    if (this.kind === Kind.TLS) return this.tls(st, n);
    if (this.kind === Kind.TLS13) return this.tls13(st, n);
    return false;
  }

  private http(st: Stream, n: number): boolean {
    if (this.bodyAt === 0) {
      const head = Buffer.from(st.slice(0, Math.min(n, MAX_HEAD)));
      let end = head.indexOf('\r\n\r\n'), skip = 4;
      const lf = head.indexOf('\n\n');
      if (lf >= 0 && (end < 0 || lf < end)) { end = lf; skip = 2; }
      if (end < 0) { if (n >= MAX_HEAD) this.kind = Kind.NONE; return false; }
      this.bodyAt = end + skip;
      const text = head.subarray(0, end).toString('latin1');
      const status = Number(/^HTTP\/\S+ (\d{3})/.exec(text)?.[1] ?? 0);
      if ((status >= 100 && status < 200) || status === 204 || status === 304) { this.until = this.bodyAt; }
      else if (/\ntransfer-encoding:[^\n]*chunked\s*(\r?\n|$)/i.test(text)) this.chunked = true;
      else {
        const cl = /\ncontent-length:[ \t]*(\d{1,15})[ \t]*\r?(\n|$)/i.exec(text);
        if (cl) this.until = this.bodyAt + Number(cl[1]);
        else { this.kind = Kind.NONE; return false; }   // until the connection closes
      }
    }
    if (this.until >= 0) return n >= this.until;
    // Chunked: only a prefix ending like the last chunk is worth reading through.
    if (n - this.bodyAt < LAST_CHUNK.length) return false;
    const tail = st.slice(n - LAST_CHUNK.length, n);
    if (!LAST_CHUNK.every((c, i) => tail[i] === c)) return false;
    const r = new BodyReader('chunked', 0, 0);
    r.push(st.slice(this.bodyAt, n));
    return r.done;
  }

  // The identification line (after at most 16 others), then uint32 packet_length and the packet.
  private sshKex(st: Stream, n: number): boolean {
    const b = st.slice(0, Math.min(n, MAX_SSH_HEAD));
    let at = 0;
    for (let k = 0; k < 16; k++) {
      const nl = b.indexOf(0x0a, at);
      if (nl < 0) { if (n >= MAX_SSH_HEAD) this.kind = Kind.NONE; return false; }
      const id = b[at] === 0x53 && b[at + 1] === 0x53 && b[at + 2] === 0x48 && b[at + 3] === 0x2d;
      at = nl + 1;
      if (!id) continue;
      if (n - at < 4) return false;
      const len = st.slice(at, at + 4);
      return n - at - 4 >= ((len[0] << 24) | (len[1] << 16) | (len[2] << 8) | len[3]) >>> 0;
    }
    this.kind = Kind.NONE;
    return false;
  }

  // The first line (up to CRLF): the whole reply, or a bulk string's length.
  private resp(st: Stream, n: number): boolean {
    if (this.respEnd >= 0) return n >= this.respEnd;
    const b = st.slice(0, Math.min(n, MAX_RESP_LINE));
    const t = b[0];
    if (t !== 0x2b && t !== 0x2d && t !== 0x3a && t !== 0x24) { if (n > 0) this.kind = Kind.NONE; return false; }
    let crlf = -1;
    for (let i = 1; i + 1 < b.length; i++) if (b[i] === 0x0d && b[i + 1] === 0x0a) { crlf = i; break; }
    if (crlf < 0) { if (n >= MAX_RESP_LINE) this.kind = Kind.NONE; return false; }
    if (t !== 0x24) return true;   // +, -, : end with their line
    const len = Buffer.from(b.subarray(1, crlf)).toString('latin1');
    if (len === '-1') return true;   // the null bulk string
    if (!/^\d{1,10}$/.test(len)) { this.kind = Kind.NONE; return false; }
    this.respEnd = crlf + 2 + Number(len) + 2;
    return n >= this.respEnd;
  }

  private tls(st: Stream, n: number): boolean {
    while (this.at + 5 <= n && this.records < MAX_RECORDS) {
      const h = st.slice(this.at, this.at + 5);
      const end = this.at + 5 + ((h[3] << 8) | h[4]);
      if (end > n) return false;
      this.records++;
      if (h[0] === 0x15 && end - this.at >= 7 && st.slice(this.at + 5, this.at + 6)[0] === 2) return true;   // a fatal alert
      if (h[0] === 0x16 && end - this.at >= 9) {
        const t = st.slice(end - 4, end);
        if (t[0] === 0x0e && t[1] === 0 && t[2] === 0 && t[3] === 0) return true;   // ServerHelloDone ends the flight
      }
      if (h[0] === 0x17 && this.records > 1) return this.sealed(st, n);   // TLS 1.3: the rest of the flight is encrypted
      if (h[0] !== 0x16 && h[0] !== 0x15 && h[0] !== 0x14) { this.kind = Kind.NONE; return false; }   // not TLS
      this.at = end;
    }
    if (this.records >= MAX_RECORDS) this.kind = Kind.NONE;
    return false;
  }

  // A TLS 1.3 flight ends with the server's Finished, sealed: our client reads it from offset 0
  // (the ServerHello gives the keys), then every byte as it comes. Without the secrets, or once
  // the read fails (not our ClientHello's answer), the connection waits for its idle time.
  private sealed(st: Stream, n: number): boolean {
    const opts = this.tlsFor?.(this.meta);
    if (!opts) { this.kind = Kind.NONE; return false; }
    this.client = new TlsClient(opts);
    this.kind = Kind.TLS13;
    return this.tls13(st, n);
  }

  private tls13(st: Stream, n: number): boolean {
    const c = this.client!;
    if (n > this.pushed) { c.push(st.slice(this.pushed, n)); this.pushed = n; }
    const r = c.result;
    if (r.stage === 'failed') { this.client = undefined; this.kind = Kind.NONE; return false; }
    return r.flightLength !== undefined || r.stage === 'closed';
  }
}
