// What the sharded-scan tests compare: the target set, its ground truth in the testbed, and a
// result stream reduced to its shard record and its sorted "type ip:port" results.
import * as assert from 'uvu/assert';
import { lines } from './helpers';

export const SHARD_RANGE = '198.18.0.0/22';
export const SHARD_PORTS = '22,80,81';

/** Listeners on 22 and 80 everywhere, RST on 81, silence in the dropped 198.18.3.0/24, over
 *  198.18.0.0/bits. */
export function groundTruth(bits = 22): string[] {
  const out: string[] = [];
  for (let h = 0; h < 2 ** (32 - bits); h++) {
    if (h >> 8 === 3) continue;
    const ip = `198.18.${(h >> 8) & 255}.${h & 255}`;
    out.push(`open ${ip}:22`, `open ${ip}:80`, `closed ${ip}:81`);
  }
  return out.sort();
}

/** The shard record heading a stream, and its results (each must appear once). */
export function resultsOf(text: string): { head: any; results: string[] } {
  const recs = lines(text);
  const head = recs.shift();
  assert.is(head?.type, 'shard', 'the stream starts with a shard record');
  // scan's own record (command line, seed) follows the shard record; it is not a result.
  if (recs[0]?.type === 'scan') recs.shift();
  const results = recs.map((r) => `${r.type} ${r.ip}:${r.port}`).sort();
  const dup = results.find((x, k) => k > 0 && results[k - 1] === x);
  assert.is(dup, undefined, `a result twice: ${dup}`);
  return { head, results };
}
