// Which indices of the order a run emits: --shard I/N, --resume-index K, and the seed's syntax.
import { parseNumber } from '../args';
import { UsageError } from '../exit';
import { EngineShard, shardFromEnv } from './shard-env';

export interface Shard { index: bigint; of: bigint }  // 1-based index, as masscan numbers shards

/** I/N, or auto and auto/N (from the job engine's environment, see shard-env.ts). */
export function parseShard(s: string, env: Record<string, string | undefined> = process.env): Shard | EngineShard {
  if (s.trim().startsWith('auto')) return shardFromEnv(s, env);
  const m = /^(\d+)\/(\d+)$/.exec(s.trim());
  if (!m) throw new UsageError(`option --shard: '${s}' is not I/N (e.g. 1/4), auto or auto/N`);
  const index = BigInt(m[1]), of = BigInt(m[2]);
  if (of < 1n || index < 1n || index > of) throw new UsageError(`option --shard: '${s}' needs 1 <= I <= N`);
  return { index, of };
}

/** A non-negative integer of any size; 1e6 and 10k style is accepted where it is exact. */
export function parseIndex(s: string, flag: string): bigint {
  const t = s.trim();
  if (/^\d+$/.test(t)) return BigInt(t);
  const v = parseNumber(t);
  if (Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  throw new UsageError(`option ${flag}: '${s}' is not a whole number >= 0`);
}

export function parseSeed(s: string): bigint {
  const t = s.trim();
  let v: bigint | null = null;
  if (/^\d+$/.test(t)) v = BigInt(t);
  else if (/^0x[0-9a-f]+$/i.test(t)) v = BigInt(t);
  if (v === null || v >= 1n << 64n) throw new UsageError(`option --seed: '${s}' is not a whole number from 0 to 2^64-1`);
  return v;
}

/** The first index at or after `resume` that belongs to the shard (i mod N == I-1). */
export function firstIndex(resume: bigint, shard: Shard): bigint {
  const r = shard.index - 1n;
  if (resume <= r) return r;
  return resume + ((((r - resume) % shard.of) + shard.of) % shard.of);
}

/** How many of the indices first, first+step, ... lie below total. */
export function shardCount(total: bigint, first: bigint, step: bigint): bigint {
  return first >= total ? 0n : (total - 1n - first) / step + 1n;
}
