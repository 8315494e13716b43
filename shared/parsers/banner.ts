// Turns one `banner` record into the same record plus `service` and its fields, or says why it is bad.
import { AnyRecord, setField } from '../records';
import { PARSERS, UDP_PARSERS, identify, identifyUdp } from './index';
import { Fields, ParseContext, parseAll } from './types';
import { http, DEFAULT_MAX_BODY } from './http';
import { readTls, TlsResult } from '../tls/client';
import { parseTls, tlsReadOptions } from './tls';
import { StarttlsTalker } from '../probes/starttls';
import { cleanString } from './text';
import { certificateFields } from '../tls/cert';
import type { ServiceProbes } from '../service-probes';
import { DESCRIBE, SERVICE_FIELDS, ServiceFields, fromNmap, merge } from './service';
import { asNmapSent } from './udp-nmap';
import { after, extend, hasLine, lineWith } from '../kept-lines';
import { Added, BannerMemo } from './banner-memo';

// The base64 alphabet as a table: a loop over it checks a banner's data in a third of the regex's
// time (/^[A-Za-z0-9+/]*={0,2}$/, 5% of banners' profile).
const B64 = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') B64[c.charCodeAt(0)] = 1;

/** Whether s is base64 characters followed by at most two '='. */
function isBase64(s: string): boolean {
  let end = s.length;
  if (end > 0 && s.charCodeAt(end - 1) === 61) end--;
  if (end > 0 && s.charCodeAt(end - 1) === 61) end--;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || B64[c] === 0) return false;
  }
  return true;
}

export interface EnrichOptions {
  previewBytes?: number;
  probes?: ServiceProbes | null;
  cost?: { nmapNs: number };     // time spent in nmap's rules, added up
  /** The tls probe's secrets and ClientHello (banners --key-file): used for banners of probe tls only. */
  tls?: ParseContext['tls'];
  /** The https probe's secrets and ClientHello (banners --key-file): its banners are decrypted
   *  whole, the flight and the HTTP response after it. */
  https?: ParseContext['tls'];
  /** The starttls probe's secrets and ClientHello (banners --key-file): the TLS after the go-ahead is read as tls's. */
  starttls?: ParseContext['tls'];
  /** A read of this banner's stream made already, by its https conversation (banners --replies)
   *  or by the reassembly's end detector (a TLS 1.3 flight, written at its Finished): taken
   *  instead of reading the stream again. */
  read?: TlsResult;
  /** Bytes of a decoded body kept (banners --max-banner). */
  maxBody?: number;
}

/** Decodes strict base64 (padding optional, as long as the length is possible), or null; `own`: not in Buffer's shared pool. */
export function decodeBase64(s: string, own = false): Buffer | null {
  // The usual case, checked natively: padded base64 that encodes back to itself is valid (one
  // decode and one encode cost a third of the character loop; banners' profile). Anything else
  // (no padding, spare bits set, not base64) takes the loop.
  if (!own && (s.length & 3) === 0) {
    const b = Buffer.from(s, 'base64');
    if (b.toString('base64') === s) return b;
  }
  if (s.length % 4 === 1 || !isBase64(s)) return null;
  const eq = s.indexOf('=');
  if (eq >= 0 && (s.length % 4 !== 0)) return null;
  if (!own) return Buffer.from(s, 'base64');
  // Memory of its own, exactly sized: a view into Buffer's shared pool would keep its whole slab alive.
  const b = Buffer.allocUnsafeSlow(Buffer.byteLength(s, 'base64'));
  return b.subarray(0, b.write(s, 'base64'));
}

// Fields an earlier run of banners added: dropped first, so running it twice gives the same record.
function isOurs(key: string, prefixes: Set<string>): boolean {
  if (key === 'service' || SCHEMA.has(key)) return true;
  const u = key.indexOf('_');
  return u > 0 && prefixes.has(key.slice(0, u));
}

// isOurs of the keys seen (the same dozen on every record; bounded, as keys come from input).
const OURS = new Map<string, boolean>();
const OURS_MAX = 4096;

/** Whether rec holds no field an earlier run of banners added (the usual case: fresh from catch or reassembly). */
function isClean(rec: AnyRecord): boolean {
  for (const k in rec) {
    if (k === 'type') continue;
    let ours = OURS.get(k);
    if (ours === undefined) {
      ours = isOurs(k, PREFIXES);
      if (OURS.size < OURS_MAX) OURS.set(k, ours);
    }
    if (ours) return false;
  }
  return true;
}

const PREFIXES = new Set([...PARSERS.map((p) => p.name), ...UDP_PARSERS.map((p) => p.name), 'unknown', 'cert', 'nmap']);
const SCHEMA = new Set<string>(SERVICE_FIELDS);

// The memo of the run's options (a new one when they change: previews, bodies and rules shape the fields).
let memo: { m: BannerMemo; probes: ServiceProbes | null | undefined; previewBytes?: number; maxBody?: number } | null = null;
function memoFor(opts: EnrichOptions): BannerMemo {
  if (!memo || memo.probes !== opts.probes || memo.previewBytes !== opts.previewBytes || memo.maxBody !== opts.maxBody) {
    memo = { m: new BannerMemo(), probes: opts.probes, previewBytes: opts.previewBytes, maxBody: opts.maxBody };
  }
  return memo.m;
}
/** The memo's counts in this thread (hits, misses, dropped). */
export function bannerMemoCounts(): BannerMemo['counts'] | undefined { return memo?.m.counts; }

/** Whether the added fields of rec depend on its data, probe and port alone (then they may come
 *  from, or go to, the memo): a well-formed TCP record, no secrets to decrypt with, no starttls
 *  split, no scanner bytes choosing nmap's probe, no certificate beside the data. (A record the
 *  memo knows has valid data: its string is a key.) Fields of an earlier run are isClean's. */
function plain(rec: AnyRecord, opts: EnrichOptions): boolean {
  const probeName = typeof rec.probe === 'string' ? rec.probe : null;
  return typeof rec.data === 'string' && (rec.probe === undefined || rec.probe === null || probeName !== null) &&
    (rec.port === undefined || (typeof rec.port === 'number' && Number.isInteger(rec.port))) &&
    (rec.proto === undefined || rec.proto === 'tcp') && rec.sent_data === undefined && rec.cert_der === undefined && probeName !== 'starttls' &&
    !(probeName === 'tls' && opts.tls) && !(probeName === 'https' && opts.https) && opts.read === undefined;
}

/** The memo's entry for rec (its nmap costs counted again), or undefined when rec must be parsed. */
function memoHit(m: BannerMemo, rec: AnyRecord, probes: ServiceProbes | null | undefined): Added | undefined {
  const hit = m.get(rec.data as string, typeof rec.probe === 'string' ? rec.probe : null, typeof rec.port === 'number' ? rec.port : 0);
  if (hit && probes && (hit.gaveUp || hit.setFailures)) { probes.stats.gaveUp += hit.gaveUp; probes.stats.setFailures += hit.setFailures; }
  return hit;
}

/** The line of a banner record whose answer the memo holds, without building its record: the
 *  line it was read from with the added fields' JSON before the closing brace (what writing
 *  enrichBanner's record would give), and those fields; undefined when it must go through
 *  enrichBanner. For a caller that needs no more of the record than its added fields. */
export function memoLine(rec: AnyRecord, opts: EnrichOptions = {}): { line: string; added: Record<string, unknown> } | undefined {
  if (rec.type !== 'banner' || !hasLine(rec) || !plain(rec, opts) || !isClean(rec)) return undefined;
  const hit = memoHit(memoFor(opts), rec, opts.probes);
  return hit ? { line: lineWith(rec, hit.tail)!, added: hit.added } : undefined;
}

export function enrichBanner(rec: AnyRecord, opts: EnrichOptions = {}): AnyRecord | string {
  const probeName = typeof rec.probe === 'string' ? rec.probe : null;
  const clean = isClean(rec);
  const port = typeof rec.port === 'number' ? rec.port : 0;
  const m = clean && plain(rec, opts) ? memoFor(opts) : null;
  if (m) {
    const hit = memoHit(m, rec, opts.probes);
    if (hit) return fromMemo(rec, hit);
  }
  const stats = opts.probes?.stats;
  const gaveUp = stats?.gaveUp ?? 0, setFailures = stats?.setFailures ?? 0;
  const out = enrichAll(rec, opts, clean);
  if (typeof out === 'string' || !m) return out;
  // The fields added, and their JSON, for the next record with the same answer and for the writer.
  const added = after(out, rec);
  if (added !== null) {
    const json = JSON.stringify(added);
    const a: Added = { added, tail: json.length > 2 ? ',' + json.slice(1, -1) : '', gaveUp: (stats?.gaveUp ?? 0) - gaveUp, setFailures: (stats?.setFailures ?? 0) - setFailures };
    m.set(rec.data as string, probeName, port, a);
    if (hasLine(rec)) extend(out, rec, added, a.tail);
  }
  return out;
}

/** A memoised answer's record: type, the record's own keys, the added ones (shared, never changed). */
function fromMemo(rec: AnyRecord, a: Added): AnyRecord {
  const out: AnyRecord = { type: 'banner', ...(rec as Record<string, unknown>), ...a.added };
  if (out.type !== 'banner') out.type = 'banner';
  else if (hasLine(rec)) extend(out, rec, a.added, a.tail);
  return out;
}

function enrichAll(rec: AnyRecord, opts: EnrichOptions, clean: boolean): AnyRecord | string {
  if (typeof rec.data !== 'string') return 'banner record has no "data" string';
  const data = decodeBase64(rec.data);
  if (!data) return 'banner "data" is not valid base64';
  if (rec.probe !== undefined && rec.probe !== null && typeof rec.probe !== 'string') return 'banner "probe" is not a string';
  if (rec.port !== undefined && (typeof rec.port !== 'number' || !Number.isInteger(rec.port))) return 'banner "port" is not an integer';
  if (rec.sent_data !== undefined && (typeof rec.sent_data !== 'string' || !decodeBase64(rec.sent_data))) return 'banner "sent_data" is not valid base64';
  // A banner of a protocol banners has no parsers for is refused, never read as TCP's.
  if (rec.proto !== undefined && rec.proto !== 'tcp' && rec.proto !== 'udp') {
    return `banner "proto" ${JSON.stringify(rec.proto)?.slice(0, 40)} is neither tcp nor udp (banners parses those answers only)`;
  }
  if (rec.proto === 'udp') return enrichUdp(rec, data, opts);
  // A record replayed from another tool's capture names no probe (null): nmap's rules are then
  // chosen by the bytes its scanner sent, else by port, and the record says which (nmap_probe_from).
  const { probe, port, sent } = nmapChoice(rec, opts.probes);
  // Only an answer to our own ClientHello can be decrypted with the keys behind it.
  const https = probe === 'https' ? opts.https : undefined;
  const ctx: ParseContext = { maxBody: opts.maxBody, tls: probe === 'tls' ? opts.tls : https,
    app: https ? { maxAppData: opts.maxBody ?? DEFAULT_MAX_BODY } : undefined, read: probe === 'tls' || https ? opts.read : undefined };
  // An answer to the starttls probe: the text conversation, then (after the go-ahead) TLS.
  const split = rec.probe === 'starttls' ? starttlsSplit(data, port) : undefined;
  const found = identify(split ? split.text : data, probe ?? 'null', port, opts.previewBytes, ctx);
  let { service } = found;
  const { fields } = found;
  if (split) Object.assign(fields, starttlsFields(split, opts.starttls, ctx));
  // An answer to the https probe: the HTTP response inside, when the conversation got that far.
  if (https && service === 'tls') {
    const inner = httpsResponse(data, https, ctx);
    if (inner) { service = 'https'; Object.assign(fields, inner); }
  }
  const out = withFields(rec, service, fields, clean);
  // A certificate that came without its TLS bytes (masscan's X509 records carry only the DER):
  // read it too, so every certificate gets the same fields.
  if (typeof rec.cert_der === 'string' && out.cert_der === undefined) {
    const der = decodeBase64(rec.cert_der);
    if (der) {
      Object.assign(out, certificateFields(der));
      if (out.cert_der === undefined) out.cert_der = rec.cert_der;
      if (out.service === 'unknown') { out.service = 'tls'; delete out.unknown_preview; }
    }
  }
  const own = DESCRIBE[out.service === 'https' ? 'http' : out.service as string]?.(fields) ?? {};
  let nmap: ServiceFields | null = null;
  if (opts.probes) {
    const t0 = opts.cost ? process.hrtime.bigint() : 0n;
    const m = opts.probes.match(split ? split.text : data, probe, port, sent);
    if (opts.cost) opts.cost.nmapNs += Number(process.hrtime.bigint() - t0);
    if (m) {
      const { schema, rest } = fromNmap(m);
      // nmap names the service when our parsers could not.
      if (service === 'unknown' && typeof m.nmap_service === 'string') out.service = m.nmap_service;
      Object.assign(out, rest);
      if (probe === null) out.nmap_probe_from = sent === null ? 'port' : 'sent';
      if (m.nmap_softmatch !== true) nmap = schema;
    }
  }
  // Fields a reader of nmap's formats or another tool put on the record stay when nothing here
  // knew better, under the same rule: product, version and info only together.
  const merged = merge(fromRecord(rec), merge(own, nmap)) as Record<string, unknown>;
  for (const k of SERVICE_FIELDS) if (merged[k] !== undefined) out[k] = merged[k];
  return out;
}

/** The banner record out: type, the record's own keys in their order (less those an earlier run
 *  of banners added), service, the parsers' fields. */
function withFields(rec: AnyRecord, service: string, fields: Fields, clean: boolean): AnyRecord {
  if (clean) {
    // A record fresh from catch or reassembly (the usual case): built by spreading, twice as fast
    // as key-by-key stores, which leave a record this size in dictionary mode. The same keys in
    // the same order: `type` keeps its first place when the spread gives it again.
    const out: AnyRecord = { type: 'banner', ...(rec as Record<string, unknown>), service, ...fields };
    if (out.type !== 'banner') out.type = 'banner';
    return out;
  }
  const out: AnyRecord = { type: 'banner' };
  for (const k of Object.keys(rec)) if (k !== 'type' && !isOurs(k, PREFIXES)) setField(out, k, rec[k]);
  out.service = service;
  Object.assign(out, fields);
  return out;
}

/** A UDP answer (one datagram, catch's `banner` with proto udp): the parsers its probe's payload
 *  module names, and nmap's `Probe UDP` rules. */
function enrichUdp(rec: AnyRecord, data: Uint8Array, opts: EnrichOptions): AnyRecord {
  const { probe, port } = nmapChoice(rec, opts.probes);
  const { service, fields } = identifyUdp(data, probe, port, opts.previewBytes);
  const out: AnyRecord = { type: 'banner' };
  for (const k of Object.keys(rec)) if (k !== 'type' && !isOurs(k, PREFIXES)) setField(out, k, rec[k]);
  out.service = service;
  Object.assign(out, fields);
  const own = DESCRIBE[service]?.(fields) ?? {};
  let nmap: ServiceFields | null = null;
  if (opts.probes) {
    const t0 = opts.cost ? process.hrtime.bigint() : 0n;
    const m = opts.probes.match(asNmapSent(data, probe), probe, port, null, 'udp');
    if (opts.cost) opts.cost.nmapNs += Number(process.hrtime.bigint() - t0);
    if (m) {
      const { schema, rest } = fromNmap(m);
      if (service === 'unknown' && typeof m.nmap_service === 'string') out.service = m.nmap_service;
      Object.assign(out, rest);
      if (m.nmap_softmatch !== true) nmap = schema;
    }
  }
  const merged = merge(fromRecord(rec), merge(own, nmap)) as Record<string, unknown>;
  for (const k of SERVICE_FIELDS) if (merged[k] !== undefined) out[k] = merged[k];
  return out;
}

/** The HTTP response of an https banner: the server's stream read as our TLS client (shared/tls)
 *  read it, its application data parsed by the http parser, with tls_app_data_len (bytes
 *  decrypted) and tls_app_error when the records after the flight did not decrypt; undefined
 *  when there is no application data. */
function httpsResponse(data: Uint8Array, tls: NonNullable<ParseContext['tls']>, ctx: ParseContext): Fields | undefined {
  // TLS 1.3: the tls parser read it all already (it decrypts the flight for the certificates).
  const r = ctx.read ?? readTls(tlsReadOptions(tls, ctx.app!.maxAppData), data);
  if (r.appDataLength === 0) return undefined;
  const f = parseAll(http, r.appData, ctx);
  f.tls_app_data_len = r.appDataLength;
  if (r.error !== undefined) f.tls_app_error = cleanString(r.error);
  return f;
}

/** The text of a starttls banner and its TLS bytes, split where the server's go-ahead ended. */
interface StarttlsSplit { text: Uint8Array; tls: Uint8Array; failed?: string }

function starttlsSplit(data: Uint8Array, port: number): StarttlsSplit {
  const t = new StarttlsTalker(null, port);
  t.push(data);
  if (t.tlsAt === undefined) return { text: data, tls: data.subarray(data.length), failed: t.failed };
  return { text: data.subarray(0, t.tlsAt), tls: data.subarray(t.tlsAt) };
}

/** The TLS fields of a starttls banner (the tls parser's, on the bytes after the go-ahead; TLS 1.3
 *  decrypted when banners has the key), with tls_starttls saying how far it got. */
function starttlsFields(split: StarttlsSplit, tls: ParseContext['tls'], ctx: ParseContext): Fields {
  if (!split.tls.length) return { tls_starttls: split.failed !== undefined ? `failed: ${cleanString(split.failed)}` : 'no go-ahead' };
  return { ...parseTls(split.tls, { ...ctx, tls }), tls_starttls: 'ok' };
}

/**
 * What chooses a banner's nmap probes (ServiceProbes.chain): its trawl probe; when that is null,
 * the nmap probe its scanner's first bytes were (sent_data, joined by banners from catch's
 * `sent` records), if any.
 */
export function nmapChoice(rec: AnyRecord, probes: ServiceProbes | null | undefined): { probe: string | null; port: number; sent: string | null; proto: 'tcp' | 'udp' } {
  const proto = rec.proto === 'udp' ? 'udp' : 'tcp';
  // A starttls banner starts as the server's greeting: nmap's NULL probe is the one that saw it.
  const probe = rec.probe === 'starttls' ? 'null' : typeof rec.probe === 'string' ? rec.probe : null;
  const port = typeof rec.port === 'number' ? rec.port : 0;
  let sent: string | null = null;
  if (probe === null && proto === 'tcp' && probes && typeof rec.sent_data === 'string' && rec.sent_data !== '') {
    const bytes = decodeBase64(rec.sent_data);
    if (bytes) sent = probes.sentProbe(bytes);
  }
  return { probe, port, sent, proto };
}

/** The first byte nmap's rules will see of a TCP banner (its data's), for ServiceProbes.ready and
 *  prepareChain, or -1: not known (UDP answers, whose bytes asNmapSent may change; no data). */
export function nmapFirstByte(rec: AnyRecord): number {
  if (rec.proto === 'udp' || typeof rec.data !== 'string' || rec.data.length < 4) return -1;
  const b = Buffer.from(rec.data.slice(0, 4), 'base64');
  return b.length > 0 ? b[0] : -1;
}

/** The service fields a record already carries, as merge() takes them. */
function fromRecord(rec: AnyRecord): ServiceFields {
  const f: Record<string, unknown> = {};
  for (const k of SERVICE_FIELDS) if (typeof rec[k] === 'string' && rec[k] !== '') f[k] = rec[k];
  if (Array.isArray(rec.cpe)) f.cpe = rec.cpe.filter((c) => typeof c === 'string');
  else if (typeof rec.cpe === 'string' && rec.cpe) f.cpe = rec.cpe.split(' ');
  return f as ServiceFields;
}
