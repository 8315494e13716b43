// HTTP response parser: a byte-at-a-time state machine over status line and headers, then the body
// framed, kept and decoded by http-body.ts, and its <title>, sha256 and length.
import { createHash } from 'crypto';
import { lookup } from '../records';
import { Fields, ParseContext, Parser, Session, agreesWith } from './types';
import { MAX_FIELD, clean, put } from './text';
import { BodyReader, Framing, decodeBody } from './http-body';

// States of the machine, in the order a response walks through them.
const enum S { VERSION, STATUS, REASON, NAME, VALUE_SPACE, VALUE, BODY, DONE }

const PREFIX = 'HTTP/';
const MAX_NAME = 64;            // longer header names are not ones we keep
const MAX_HEADERS = 64;         // headers listed in http_headers
const MAX_TITLE = MAX_FIELD * 4; // bytes of UTF-8
/** Body bytes kept when banners gives no limit (a single-segment banner never comes near it). */
export const DEFAULT_MAX_BODY = 1024 * 1024;
// Headers we report, by lower-case name, and the field each one fills.
const WANTED: Record<string, string> = {
  server: 'http_server',
  'content-type': 'http_content_type',
  'content-length': 'http_content_length',
  location: 'http_location',
  'x-powered-by': 'http_powered_by',
  'www-authenticate': 'http_www_authenticate',
  'content-encoding': 'http_content_encoding',
  'transfer-encoding': 'http_transfer_encoding',
};

const lower = (c: number) => (c >= 0x41 && c <= 0x5a ? c | 0x20 : c);

class HttpSession implements Session {
  private s = S.VERSION;
  private i = 0;                   // bytes seen in the current token
  private version = '';
  private status = 0;
  private reason: number[] = [];
  private name = '';
  private rawName = '';            // as sent, for http_headers
  private val: number[] = [];
  private headers = new Map<string, Uint8Array>();
  private lines: string[] = [];
  private cookie = false;
  private body: BodyReader | null = null;
  private bad = false;

  constructor(private maxBody: number) {}

  push(b: Uint8Array): void {
    for (let k = 0; k < b.length && this.s !== S.DONE; k++) {
      if (this.s === S.BODY) { this.body!.push(b.subarray(k)); return; }
      this.step(b[k]);
    }
  }

  private step(c: number): void {
    switch (this.s) {
      case S.VERSION:
        if (this.i < PREFIX.length) {
          if (c !== PREFIX.charCodeAt(this.i++)) { this.bad = true; this.s = S.DONE; }
        } else if (c === 0x20) { this.s = S.STATUS; this.i = 0; }
        else if (this.version.length < 8 && c > 0x20 && c < 0x7f) this.version += String.fromCharCode(c);
        else { this.s = S.DONE; }
        return;
      case S.STATUS:
        if (c >= 0x30 && c <= 0x39 && this.i < 3) { this.status = this.status * 10 + (c - 0x30); this.i++; }
        else if (this.i === 3 && (c === 0x20 || c === 0x0d)) this.s = S.REASON;
        else if (this.i === 3 && c === 0x0a) { this.s = S.NAME; this.i = 0; }
        else { this.status = this.i === 3 ? this.status : 0; this.s = S.DONE; }
        return;
      case S.REASON:
        if (c === 0x0a) { this.s = S.NAME; this.i = 0; this.name = ''; }
        else if (c !== 0x0d && this.reason.length < MAX_FIELD) this.reason.push(c);
        return;
      case S.NAME:
        if (c === 0x0a) {
          // An empty line ends the headers (a stray name without a colon is dropped).
          if (this.i === 0 || (this.i === 1 && this.name === '\r')) { this.s = S.BODY; this.body = this.bodyReader(); }
          this.name = ''; this.rawName = ''; this.i = 0;
        } else if (c === 0x3a) { this.s = S.VALUE_SPACE; this.val = []; }
        else { this.i++; if (this.name.length < MAX_NAME) { this.name += String.fromCharCode(lower(c)); this.rawName += String.fromCharCode(c); } }
        return;
      case S.VALUE_SPACE:
        if (c === 0x20 || c === 0x09) return;
        this.s = S.VALUE;
        this.value(c);
        return;
      case S.VALUE:
        this.value(c);
        return;
      case S.DONE:
        return;
    }
  }

  private value(c: number): void {
    if (c === 0x0a) { this.endHeader(); this.s = S.NAME; this.name = ''; this.rawName = ''; this.i = 0; }
    else if (this.val.length < MAX_FIELD * 2) this.val.push(c);
  }

  private endHeader(): void {
    let v = this.val;
    if (v.length && v[v.length - 1] === 0x0d) v = v.slice(0, -1);
    if (this.name === 'set-cookie') this.cookie = true;
    if (lookup(WANTED, this.name) && !this.headers.has(this.name)) this.headers.set(this.name, Uint8Array.from(v));
    if (this.lines.length < MAX_HEADERS) this.lines.push(clean(Uint8Array.from(Buffer.from(`${this.rawName}: ${Buffer.from(v).toString('latin1')}`, 'latin1'))));
  }

  /** The body's framing from the headers (RFC 9112 6.3): no body, chunked, Content-Length, or until the end. */
  private bodyReader(): BodyReader {
    let framing: Framing = 'close', length = 0;
    const te = this.header('transfer-encoding')?.toLowerCase();
    const cl = this.header('content-length');
    if ((this.status >= 100 && this.status < 200) || this.status === 204 || this.status === 304) framing = 'none';
    else if (te !== undefined && te.split(',').pop()!.trim() === 'chunked') framing = 'chunked';
    else if (te === undefined && cl !== undefined && /^\d{1,15}$/.test(cl)) { framing = 'length'; length = Number(cl); }
    return new BodyReader(framing, length, this.maxBody);
  }

  private header(name: string): string | undefined {
    const v = this.headers.get(name);
    return v === undefined ? undefined : Buffer.from(v).toString('latin1').trim();
  }

  result(): Fields {
    const f: Fields = {};
    if (this.bad || this.version === '') return f;
    f.http_version = this.version;
    if (this.status >= 100 && this.status <= 999) f.http_status = this.status;
    put(f, 'http_reason', clean(Uint8Array.from(this.reason)));
    const headers = new Map(this.headers);
    // A header still being read when the bytes ended counts with what arrived.
    if ((this.s === S.VALUE || this.s === S.VALUE_SPACE) && lookup(WANTED, this.name) && !headers.has(this.name)) headers.set(this.name, Uint8Array.from(this.val));
    for (const [name, v] of headers) {
      const key = lookup(WANTED, name);
      if (!key) continue;
      const text = clean(v);
      if (key === 'http_content_length') {
        if (/^\d{1,15}$/.test(text)) f[key] = Number(text);
      } else put(f, key, text);
    }
    if (this.cookie || (this.s === S.VALUE && this.name === 'set-cookie')) f.http_set_cookie = true;
    if (this.lines.length) f.http_headers = this.lines.slice();
    if (this.body) this.bodyFields(f, this.body);
    return f;
  }

  private bodyFields(f: Fields, r: BodyReader): void {
    const raw = r.body();
    const d = decodeBody(raw.bytes, this.header('content-encoding'), this.maxBody);
    f.http_body_len = d.bytes.length;
    f.http_body_sha256 = createHash('sha256').update(d.bytes).digest('hex');
    if (r.done) f.http_body_complete = true;
    if (raw.cut || d.cut) f.http_body_truncated = true;
    const err = r.error ?? d.error;
    if (err) f.http_body_error = err;
    const t = title(d.bytes);
    if (t) {
      put(f, 'http_title', t.text);
      if (t.partial) f.http_title_partial = true;
    }
  }
}

/**
 * The first <title> of a body (any case, followed by a space or '>'), entities decoded and
 * whitespace collapsed; partial when the body ended inside it.
 */
export function title(b: Uint8Array): { text: string; partial: boolean } | undefined {
  const s = Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
  const low = s.toLowerCase();
  let at = 0, open = -1;
  for (;;) {
    const k = low.indexOf('<title', at);
    if (k < 0) return undefined;
    const next = low.charCodeAt(k + 6);
    if (Number.isNaN(next) || next === 0x3e || next === 0x20 || next === 0x09 || next === 0x0d || next === 0x0a) { open = k; break; }
    at = k + 1;   // <titles, <title-x: not the tag
  }
  const gt = low.indexOf('>', open + 6);
  if (gt < 0) return undefined;
  const close = low.indexOf('</title', gt + 1);
  let end = close < 0 ? s.length : close;
  // A half-seen "</title" at the very end is not content.
  if (close < 0) for (let n = Math.min(6, s.length - gt - 1); n > 0; n--) if ('</title'.startsWith(low.slice(s.length - n))) { end = s.length - n; break; }
  const bytes = Uint8Array.from(b.subarray(gt + 1, Math.min(end, gt + 1 + MAX_TITLE)), (c) => (c === 0x0a || c === 0x0d || c === 0x09 ? 0x20 : c));
  return { text: entities(clean(bytes).replace(/\s+/g, ' ')), partial: close < 0 };
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** The few HTML entities titles use; numeric ones too. Unknown ones stay as they are. */
function entities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,6});/gi, (m, e: string) => {
    if (e[0] !== '#') return lookup(ENTITIES, e.toLowerCase()) ?? m;
    const n = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return n > 0x1f && n <= 0x10ffff && !(n >= 0xd800 && n <= 0xdfff) ? String.fromCodePoint(n) : '\ufffd';
  });
}

export const http: Parser = {
  name: 'http',
  ports: [80, 8000, 8008, 8080, 8081, 8888],
  fields: ['http_version', 'http_status', 'http_reason', 'http_server', 'http_content_type', 'http_content_length',
    'http_location', 'http_powered_by', 'http_www_authenticate', 'http_content_encoding', 'http_transfer_encoding',
    'http_set_cookie', 'http_headers', 'http_title', 'http_title_partial',
    'http_body_len', 'http_body_sha256', 'http_body_complete', 'http_body_truncated', 'http_body_error'],
  detect(b, probe, port) {
    if (agreesWith(b, PREFIX)) return b.length >= 5 ? 3 : 2;
    return probe === 'http' || this.ports.includes(port) ? 1 : 0;
  },
  start: (ctx?: ParseContext) => new HttpSession(ctx?.maxBody ?? DEFAULT_MAX_BODY),
  ended: (f) => f.http_body_complete === true,
};
