// Field access shared by --where, --fields and csv: record keys plus the virtual `banner`
// (the payload as escaped text), and the stable key order of normalized NDJSON (the record table's).
import { AnyRecord, FIELDS } from '../records';
import { bannerBytes, escapeBytes } from './escape';

/** Virtual fields computed from a record; they are never written back into records. */
export const VIRTUAL_FIELDS = ['banner'];

export function getField(rec: AnyRecord, name: string): unknown {
  const v = rec[name];
  if (v !== undefined) return v;
  if (name === 'banner' && typeof rec.data === 'string') return escapeBytes(bannerBytes(rec));
  return undefined;
}

// The record table's order (shared/records.ts); keys not in it follow in alphabetical order.
const RANK = new Map<string, number>(FIELDS.map((f, i) => [f.name, i]));

/** The same record with its keys in the stable order (schema keys first, then by name). */
export function normalize(rec: AnyRecord): AnyRecord {
  const keys = Object.keys(rec).sort((a, b) => {
    const ra = RANK.get(a) ?? 1e9, rb = RANK.get(b) ?? 1e9;
    return ra !== rb ? ra - rb : a < b ? -1 : a > b ? 1 : 0;
  });
  const out: AnyRecord = { type: rec.type };
  for (const k of keys) out[k] = rec[k];
  return out;
}

/** Seconds since the epoch from time_us (masscan and nmap write whole seconds). */
export function seconds(rec: AnyRecord): number {
  return typeof rec.time_us === 'number' ? Math.floor(rec.time_us / 1e6) : 0;
}

/** ctime(3)-style date in UTC, as nmap writes in headers: "Sun Nov 22 10:18:04 2026". */
export function ctime(sec: number): string {
  const d = new Date(sec * 1000);
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${day} ${mon} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}
