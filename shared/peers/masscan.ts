// masscan's NDJSON (-oD) and JSON (-oJ) records as trawl records (man/trawl.7), so fmt and
// banners read existing masscan scans. masscan writes times as strings of whole seconds and
// banners as already-decoded text (JSON \u00XX escapes for bytes), which maps back 1:1 to bytes.
import type { AnyRecord } from '../records';

function timeUs(ts: unknown): number | undefined {
  const n = typeof ts === 'string' ? Number(ts) : typeof ts === 'number' ? ts : NaN;
  return Number.isFinite(n) ? Math.round(n * 1e6) : undefined;
}

export function base(ip: string, port: number, proto: unknown, type: string): AnyRecord {
  const r: AnyRecord = { type, ip, port };
  if (typeof proto === 'string' && proto !== 'tcp') r.proto = proto;
  return r;
}

export function status(r: AnyRecord, status: unknown, ttl: unknown, time: number | undefined): AnyRecord | string {
  if (status !== 'open' && status !== 'closed') return `masscan status "${String(status)}" is neither open nor closed`;
  r.type = status;
  if (typeof ttl === 'number') r.ttl = ttl;
  if (time !== undefined) r.time_us = time;
  return r;
}

export function banner(r: AnyRecord, svc: unknown, text: unknown, ttl: unknown, time: number | undefined): AnyRecord | string {
  if (typeof text !== 'string') return 'masscan banner has no "banner" string';
  r.type = 'banner';
  if (typeof ttl === 'number') r.ttl = ttl;
  if (time !== undefined) r.time_us = time;
  r.probe = null;
  // Code points above 0xff cannot come from masscan's byte escaping; keep them as UTF-8.
  const bytes = /[^\x00-\xff]/.test(text) ? Buffer.from(text, 'utf8') : Buffer.from(text, 'latin1');
  r.data = bytes.toString('base64');
  r.len = bytes.length;
  if (typeof svc === 'string' && svc) {
    r.service = svc;
    // masscan's X509 "banner" is the certificate itself, base64 DER.
    if (svc === 'X509') r.cert_der = text;
  }
  return r;
}

/** One masscan -oD line: {"ip","timestamp","port","proto","rec_type":"status"|"banner","data":{...}}. */
export function fromMasscanNdjson(v: Record<string, unknown>): AnyRecord | string {
  const { ip, port, proto, rec_type } = v;
  const data = (v.data ?? {}) as Record<string, unknown>;
  if (typeof ip !== 'string' || typeof port !== 'number') return 'masscan record without ip and port';
  const r = base(ip, port, proto, '');
  const t = timeUs(v.timestamp);
  if (rec_type === 'status') return status(r, data.status, data.ttl, t);
  if (rec_type === 'banner') return banner(r, data.service_name, data.banner, data.ttl, t);
  return `masscan rec_type "${String(rec_type)}" is not status or banner`;
}

/** One masscan -oJ host object: {"ip","timestamp","ports":[{port,proto,status,reason,ttl} | {port,proto,service:{name,banner}}]}. */
export function fromMasscanJson(v: Record<string, unknown>): AnyRecord[] | string {
  const { ip, ports } = v;
  if (typeof ip !== 'string' || !Array.isArray(ports)) return 'masscan -oJ object without ip and ports';
  const t = timeUs(v.timestamp);
  const out: AnyRecord[] = [];
  for (const p of ports as Record<string, unknown>[]) {
    if (!p || typeof p.port !== 'number') return 'masscan -oJ port without a number';
    const r = base(ip, p.port, p.proto, '');
    const svc = p.service as Record<string, unknown> | undefined;
    const one = svc ? banner(r, svc.name, svc.banner, p.ttl, t) : status(r, p.status, p.ttl, t);
    if (typeof one === 'string') return one;
    out.push(one);
  }
  return out;
}

/** True for an object that looks like masscan's rather than trawl's. */
export function isMasscanNdjson(v: Record<string, unknown>): boolean {
  return typeof v.rec_type === 'string' && typeof v.type !== 'string';
}
export function isMasscanJson(v: Record<string, unknown>): boolean {
  return Array.isArray(v.ports) && typeof v.type !== 'string';
}
