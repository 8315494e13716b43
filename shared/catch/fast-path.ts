// catch's fast path: one native call per batch (native/src/catch-fast.cc) takes the packets that
// are valid SYN-ACKs to us (IPv4, and IPv6 without extension headers) - the bulk of a scan's replies - decodes them into the engine's
// candidate columns, checks their cookies and spells their open records; the engine decides on
// them as on any candidate (dedup, requests, counters) and writes the spelled record. Everything
// else goes through the TypeScript decoder (shared/packet/decode.ts), which stays the reference:
// test/catch-fast.test.ts runs catch with the path on and off and compares every byte.
// TRAWL_NO_FAST=1 turns it off (tests; TRAWL_NO_NATIVE=1 turns off the whole module).
import type { Native, SynAckColumns } from '../../native/index';

export type SynAckFn = (lt: number, buf: Uint8Array, meta: Uint32Array, times: Float64Array, n: number,
  cols: SynAckColumns, text: Uint8Array, spans: Uint32Array, fast: Uint8Array) => number;

/** The fast path of a validating catch: ours and ours6 are our addresses as the engine takes them
 *  (EngineConfig: null or an empty IPv4 list = any; ours6[0] starts a range of ours6Count). */
export function nativeSynAcks(native: Native, key: Uint8Array, base: number, count: number, ours: number[] | null,
  ours6: Uint8Array[] | null = null, ours6Count = 1): SynAckFn | null {
  if (process.env.TRAWL_NO_FAST === '1') return null;
  const o = Uint32Array.from(ours ?? []).sort();
  const o6 = new Uint8Array(16 * (ours6?.length ?? 0));
  ours6?.forEach((a, k) => o6.set(a, 16 * k));
  const c6 = ours6 === null ? -1 : ours6Count;
  return (lt, buf, meta, times, n, cols, text, spans, fast) =>
    native.synAcks(key, base, count, o, o6, c6, lt, buf, meta, times, n, cols, text, spans, fast);
}

export type DedupPrefetchFn = (table: Uint32Array, slots: number, kind: number, targets: Uint32Array, sports: Uint16Array,
  dports: Uint16Array, families: Uint8Array, n: number) => void;

/** The duplicate window's prefetch (native/src/catch-fast.cc: dedupPrefetch), or null under
 *  TRAWL_NO_FAST=1 or TRAWL_NO_PREFETCH=1 (A/B runs). */
export function nativeDedupPrefetch(native: Native): DedupPrefetchFn | null {
  if (process.env.TRAWL_NO_FAST === '1' || process.env.TRAWL_NO_PREFETCH === '1') return null;
  return (table, slots, kind, targets, sports, dports, families, n) => native.dedupPrefetch(table, slots, kind, targets, sports, dports, families, n);
}

export type DedupCheckFn = (index0: Uint32Array, index1: Uint32Array, entries0: Uint32Array, entries1: Uint32Array,
  bloom0: Uint32Array, bloom1: Uint32Array, state: Uint32Array,
  kinds: Uint8Array, targets: Uint32Array, sports: Uint16Array, dports: Uint16Array, values: Uint32Array, n: number, out: Uint8Array) => void;

/** The duplicate window's checks of a batch in native code (catch-fast.cc: dedupCheck), or null
 *  under TRAWL_NO_FAST=1 or TRAWL_NO_NATIVE_DEDUP=1 (A/B runs; the engine then checks each key in
 *  JavaScript, with dedupPrefetch's hints). */
export function nativeDedupCheck(native: Native): DedupCheckFn | null {
  if (process.env.TRAWL_NO_FAST === '1' || process.env.TRAWL_NO_NATIVE_DEDUP === '1') return null;
  return (i0, i1, e0, e1, b0, b1, st, kinds, targets, sports, dports, values, n, out) =>
    native.dedupCheck(i0, i1, e0, e1, b0, b1, st, kinds, targets, sports, dports, values, n, out);
}
