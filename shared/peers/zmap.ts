// ZMap's CSV output (-O csv, header row first) as trawl records. In ZMap's fields saddr/sport
// are the responder (our target) and dport is the port we sent from; classification says
// synack or rst, success says whether ZMap counted it as a hit.
import type { AnyRecord } from '../records';

/** Splits one RFC 4180 line (ZMap quotes only when a value needs it). */
export function splitCsvLine(line: string): string[] | string {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let cell = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return 'unterminated quoted field';
        cell += line.slice(i, q);
        i = q + 1;
        if (line[i] === '"') { cell += '"'; i++; continue; }
        break;
      }
      if (i < line.length && line[i] !== ',') return `junk after a quoted field at column ${i + 1}`;
    } else {
      const c = line.indexOf(',', i);
      cell = line.slice(i, c < 0 ? line.length : c);
      i = c < 0 ? line.length : c;
    }
    out.push(cell);
    if (i >= line.length) return out;
    i++; // the comma
  }
}

/** True when a first line looks like ZMap's CSV header. */
export function isZmapHeader(line: string): boolean {
  const cols = splitCsvLine(line.trim());
  return Array.isArray(cols) && (cols.includes('saddr') || cols.includes('saddr_raw'));
}

const NUMERIC = new Set(['sport', 'dport', 'ttl', 'ipid', 'window', 'seqnum', 'acknum', 'timestamp_ts', 'timestamp_us', 'icmp_type', 'icmp_code']);

/** One data row under `header` as a trawl record, or an error string. */
export function fromZmapRow(header: string[], line: string): AnyRecord | string {
  const cols = splitCsvLine(line);
  if (typeof cols === 'string') return cols;
  if (cols.length !== header.length) return `${cols.length} fields where the header has ${header.length}`;
  const f: Record<string, string> = Object.create(null);   // keyed by the input's header
  header.forEach((h, k) => { f[h] = cols[k]; });
  const ip = f.saddr;
  if (!ip) return 'no saddr';
  const n = (k: string) => (f[k] !== undefined && f[k] !== '' && NUMERIC.has(k) ? Number(f[k]) : undefined);
  const cls = f.classification;
  let type: string;
  if (cls === 'synack' || cls === 'open') type = 'open';
  else if (cls === 'rst' || cls === 'closed') type = 'closed';
  else if (cls !== undefined && cls !== '') type = cls.startsWith('icmp') || cls === 'unreach' ? 'unreachable' : cls;
  else type = f.success === '0' ? 'closed' : 'open';
  const r: AnyRecord = { type, ip };
  const port = n('sport');
  if (port !== undefined) r.port = port;
  const ours = n('dport');
  if (ours !== undefined) r.sport = ours;
  for (const k of ['ttl', 'window', 'ipid']) { const v = n(k); if (v !== undefined && !Number.isNaN(v)) r[k] = v; }
  const ts = n('timestamp_ts');
  if (ts !== undefined) r.time_us = ts * 1e6 + (n('timestamp_us') ?? 0);
  if (Object.values(r).some((v) => typeof v === 'number' && Number.isNaN(v))) return 'a numeric field is not a number';
  return r;
}
