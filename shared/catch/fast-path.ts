// catch's fast path: one native call per batch (native/src/catch-fast.cc) takes the packets that
// are valid IPv4 SYN-ACKs to us - the bulk of a scan's replies - decodes them into the engine's
// candidate columns, checks their cookies and spells their open records; the engine decides on
// them as on any candidate (dedup, requests, counters) and writes the spelled record. Everything
// else goes through the TypeScript decoder (shared/packet/decode.ts), which stays the reference:
// test/catch-fast.test.ts runs catch with the path on and off and compares every byte.
// TRAWL_NO_FAST=1 turns it off (tests; TRAWL_NO_NATIVE=1 turns off the whole module).
import type { Native, SynAckColumns } from '../../native/index';

export type SynAckFn = (lt: number, buf: Uint8Array, meta: Uint32Array, times: Float64Array, n: number,
  cols: SynAckColumns, text: Uint8Array, spans: Uint32Array, fast: Uint8Array) => number;

/** The fast path of a validating catch: ours are our addresses (null: any). */
export function nativeSynAcks(native: Native, key: Uint8Array, base: number, count: number, ours: number[] | null): SynAckFn | null {
  if (process.env.TRAWL_NO_FAST === '1') return null;
  const o = Uint32Array.from(ours ?? []).sort();
  return (lt, buf, meta, times, n, cols, text, spans, fast) =>
    native.synAcks(key, base, count, o, lt, buf, meta, times, n, cols, text, spans, fast);
}
