// The `banner` record of one reassembled connection (man/trawl.7): the first segment's addresses,
// the bytes from offset 0 up to the first hole, and how complete they are (and, from another
// scanner's capture, the first bytes it sent), keys in the record table's order (shared/records.ts).
import { AnyRecord, FIELDS, setField } from '../records';
import type { Finished } from './table';

// Keys the first segment brought that the table does not know (another tool's, a user's) go
// after the table's own, before validated and time_us.
const RANK = new Map<string, number>(FIELDS.map((f, i) => [f.name, i]));
const OTHER = (RANK.get('validated') ?? FIELDS.length) - 0.5;

/**
 * data holds the bytes from offset 0 up to the first hole (never a byte whose predecessors are
 * missing); len is the response length as far as the segments tell; gaps counts the missing
 * bytes below the limit and gap_ranges says where they are.
 */
export function bannerRecord(f: Finished): AnyRecord {
  const st = f.stream, m = f.meta;
  const g = st.gaps();
  const own: Record<string, unknown> = {
    len: st.length,
    truncated: st.cut,
    complete: (st.finished || f.end === 'complete') && g.bytes === 0 && !st.cut,
    gaps: g.bytes,
    gap_ranges: g.bytes ? g.ranges : undefined,
    segments: st.segments,
    end: f.end,
    conflicts: st.conflicts || undefined,
    data: Buffer.from(st.prefix()).toString('base64'),
    sent_data: f.sent ? Buffer.from(f.sent).toString('base64') : undefined,
    time_us: f.time,
  };
  const keys = [...new Set([...Object.keys(m), ...Object.keys(own)])].filter((k) => k !== 'type')
    .sort((a, b) => (RANK.get(a) ?? OTHER) - (RANK.get(b) ?? OTHER));
  const out: AnyRecord = { type: 'banner' };
  for (const k of keys) {
    const v = k in own ? own[k] : m[k];
    if (v !== undefined) setField(out, k, v);
  }
  return out;
}
