// The `banner` record of one reassembled connection (man/trawl.7): the first segment's addresses,
// the bytes from offset 0 up to the first hole, and how complete they are.
import type { AnyRecord } from '../records';
import type { Finished } from './table';

/**
 * data holds the bytes from offset 0 up to the first hole (never a byte whose predecessors are
 * missing); len is the response length as far as the segments tell; gaps counts the missing
 * bytes below the limit and gap_ranges says where they are.
 */
export function bannerRecord(f: Finished): AnyRecord {
  const st = f.stream, m = f.meta;
  const g = st.gaps();
  const out: AnyRecord = { type: 'banner', ip: m.ip, port: m.port, sport: m.sport };
  if (m.ttl !== undefined) out.ttl = m.ttl;
  if (m.probe !== undefined) out.probe = m.probe;
  if (f.time !== undefined) out.time_us = f.time;
  out.data = Buffer.from(st.prefix()).toString('base64');
  out.len = st.length;
  out.complete = (st.finished || f.end === 'complete') && g.bytes === 0 && !st.cut;
  out.truncated = st.cut;
  out.gaps = g.bytes;
  if (g.bytes) out.gap_ranges = g.ranges;
  out.segments = st.segments;
  out.end = f.end;
  if (st.conflicts) out.conflicts = st.conflicts;
  for (const k of Object.keys(m)) if (!(k in out)) out[k] = m[k];
  return out;
}
