// The shard record (man/trawl.7): which scan (seed, target plan) and which shard of it a result
// stream holds, so shard outputs can be checked and merged into the scan they make up.
import { createHash } from 'crypto';
import type { AnyRecord } from './records';
import type { AddressSet } from './targets/build';

export interface ShardRecord {
  type: 'shard';
  seed: string;        // decimal; a 64-bit seed does not fit a double
  plan: string;        // planHash(): the address set, the ports and --limit
  shard: number;       // 1-based, as --shard I/N
  shards: number;
  resume_index: number | bigint;  // --resume-index of this run (0: the shard from its start)
  targets: number | bigint;       // targets this run emits
  total: number | bigint;         // targets of the whole plan, every shard together
}

/**
 * 16 hex digits of SHA-256 over the normalized address set, the port list and --limit: equal
 * exactly when two runs with one seed map every index to the same target. Ranges written
 * differently (a /24 or first-last) give the same set, hence the same plan.
 */
export function planHash(set: AddressSet, ports: number[], limit: number): string {
  const h = createHash('sha256').update('trawl plan 1\n');
  for (const [name, list] of [['v4', set.v4], ['v6', set.v6]] as const) {
    h.update(name);
    for (const iv of list) h.update(` ${iv.first.toString(16)}-${iv.last.toString(16)}`);
    h.update('\n');
  }
  h.update(`ports ${ports.join(',')}\nlimit ${Number.isFinite(limit) ? limit : 'none'}\n`);
  return h.digest('hex').slice(0, 16);
}

/** The record as one NDJSON line; the counts are written exactly, as target records' `i` is. */
export function shardLine(r: ShardRecord): string {
  return `{"type":"shard","seed":"${r.seed}","plan":"${r.plan}","shard":${r.shard},"shards":${r.shards},` +
    `"resume_index":${r.resume_index},"targets":${r.targets},"total":${r.total}}\n`;
}

/** The record as a shard record, or what is wrong with it (merge names the file and line). */
export function asShardRecord(rec: AnyRecord): ShardRecord | string {
  if (rec.type !== 'shard') return `a ${JSON.stringify(rec.type)} record, not a shard record`;
  if (typeof rec.seed !== 'string' || !/^\d+$/.test(rec.seed)) return 'shard record without a decimal "seed" string';
  if (typeof rec.plan !== 'string' || !/^[0-9a-f]{16}$/.test(rec.plan)) return 'shard record without a "plan" hash';
  for (const k of ['shard', 'shards', 'resume_index', 'targets', 'total']) {
    if (typeof rec[k] !== 'number' || !Number.isInteger(rec[k]) || (rec[k] as number) < 0) return `shard record without a whole number "${k}"`;
  }
  if ((rec.shard as number) < 1 || (rec.shard as number) > (rec.shards as number)) return `shard record with shard ${rec.shard} of ${rec.shards}`;
  return rec as unknown as ShardRecord;
}
