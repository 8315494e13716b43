// HTTP response parser: a byte-at-a-time state machine over status line, headers and the body's <title>.
import { lookup } from '../records';
import { Fields, Parser, Session, agreesWith } from './types';
import { MAX_FIELD, clean, put } from './text';

// States of the machine, in the order a response walks through them.
const enum S { VERSION, STATUS, REASON, NAME, VALUE_SPACE, VALUE, BODY, TITLE_TAG, TITLE, DONE }

const PREFIX = 'HTTP/';
const MAX_NAME = 64;            // longer header names are not ones we keep
const MAX_TITLE = MAX_FIELD * 4; // bytes of UTF-8
const TITLE_OPEN = '<title';
const TITLE_CLOSE = '</title';
// Headers we report, by lower-case name, and the field each one fills.
const WANTED: Record<string, string> = {
  server: 'http_server',
  'content-type': 'http_content_type',
  'content-length': 'http_content_length',
  location: 'http_location',
  'x-powered-by': 'http_powered_by',
  'www-authenticate': 'http_www_authenticate',
};

const lower = (c: number) => (c >= 0x41 && c <= 0x5a ? c | 0x20 : c);

class HttpSession implements Session {
  private s = S.VERSION;
  private i = 0;                   // bytes seen in the current token
  private version = '';
  private status = 0;
  private reason: number[] = [];
  private name = '';
  private val: number[] = [];
  private headers = new Map<string, Uint8Array>();
  private cookie = false;
  private match = 0;               // how much of <title / </title matched
  private title: number[] = [];
  private titleSeen = 0;           // bytes inside <title>, counted beyond the cap
  private titleDone = false;
  private bad = false;

  push(b: Uint8Array): void {
    for (let k = 0; k < b.length && this.s !== S.DONE; k++) this.step(b[k]);
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
          if (this.i === 0 || (this.i === 1 && this.name === '\r')) { this.s = S.BODY; this.match = 0; }
          this.name = ''; this.i = 0;
        } else if (c === 0x3a) { this.s = S.VALUE_SPACE; this.val = []; }
        else { this.i++; if (this.name.length < MAX_NAME) this.name += String.fromCharCode(lower(c)); }
        return;
      case S.VALUE_SPACE:
        if (c === 0x20 || c === 0x09) return;
        this.s = S.VALUE;
        this.value(c);
        return;
      case S.VALUE:
        this.value(c);
        return; { this.endHeader(); this.s = S.NAME; this.name = ''; this.i = 0; }
      case S.BODY:
        // Looks for <title (any case) followed by a space or '>'.
        if (this.titleDone) return;
        if (this.match < TITLE_OPEN.length) {
          if (lower(c) === TITLE_OPEN.charCodeAt(this.match)) this.match++;
          else this.match = c === 0x3c ? 1 : 0;
        } else if (c === 0x3e) { this.s = S.TITLE; this.match = 0; }
        else if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) this.s = S.TITLE_TAG;
        else this.match = c === 0x3c ? 1 : 0;   // <titles, <title-x: not the tag
        return;
      case S.TITLE_TAG:
        if (c === 0x3e) { this.s = S.TITLE; this.match = 0; }
        return;
      case S.TITLE:
        this.titleSeen++;
        if (this.title.length < MAX_TITLE) this.title.push(c);
        if (lower(c) === TITLE_CLOSE.charCodeAt(this.match)) {
          if (++this.match === TITLE_CLOSE.length) {
            // Drop the "</title" just collected (all of it fit when titleSeen <= MAX_TITLE).
            this.title.length = Math.max(0, Math.min(this.title.length, this.titleSeen - TITLE_CLOSE.length));
            this.titleDone = true; this.s = S.DONE;
          }
        } else this.match = c === 0x3c ? 1 : 0;
        return;
      case S.DONE:
        return;
    }
  }

  private value(c: number): void {
    if (c === 0x0a) { this.endHeader(); this.s = S.NAME; this.name = ''; this.i = 0; }
    else if (this.val.length < MAX_FIELD * 2) this.val.push(c);
  }

  private endHeader(): void {
    let v = this.val;
    if (v.length && v[v.length - 1] === 0x0d) v = v.slice(0, -1);
    if (this.name === 'set-cookie') this.cookie = true;
    if (lookup(WANTED, this.name) && !this.headers.has(this.name)) this.headers.set(this.name, Uint8Array.from(v));
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
    if (this.titleDone || this.s === S.TITLE) {
      let t = this.title;
      if (!this.titleDone) t = t.slice(0, t.length - this.match);   // a half-seen </title
      // Line breaks inside a title are layout, not content.
      const bytes = Uint8Array.from(t, (c) => (c === 0x0a || c === 0x0d || c === 0x09 ? 0x20 : c));
      put(f, 'http_title', entities(clean(bytes).replace(/\s+/g, ' ')));
      if (!this.titleDone) f.http_title_partial = true;
    }
    return f;
  }
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
    'http_location', 'http_powered_by', 'http_www_authenticate', 'http_set_cookie', 'http_title', 'http_title_partial'],
  detect(b, probe, port) {
    if (agreesWith(b, PREFIX)) return b.length >= 5 ? 3 : 2;
    return probe === 'http' || this.ports.includes(port) ? 1 : 0;
  },
  start: () => new HttpSession(),
};
