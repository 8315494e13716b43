// Do these shard outputs make up one scan? Same seed, same plan, same shard count, every shard
// present from its start once (resumed parts of a shard may follow), and which are missing or doubled.
import type { ShardRecord } from '../shard-record';
import { firstIndex } from '../targets/plan';

export interface Part { file: string; rec: ShardRecord }

export interface Verdict {
  problems: string[];    // empty when the parts are one whole scan
  order: Part[];         // the parts by shard, then by where they start
  merged: ShardRecord | null;
}

function list(ns: number[]): string {
  return ns.length === 1 ? String(ns[0]) : `${ns.slice(0, -1).join(', ')} and ${ns[ns.length - 1]}`;
}

export function checkParts(parts: Part[]): Verdict {
  const problems: string[] = [];
  if (parts.length === 0) return { problems: ['no shard outputs given'], order: [], merged: null };
  const ref = parts[0];
  for (const p of parts.slice(1)) {
    if (p.rec.seed !== ref.rec.seed) {
      problems.push(`${p.file}: seed ${p.rec.seed}, but ${ref.file} has seed ${ref.rec.seed}: not shards of one scan`);
    } else if (p.rec.plan !== ref.rec.plan) {
      problems.push(`${p.file}: target plan ${p.rec.plan}, but ${ref.file} has plan ${ref.rec.plan} ` +
        '(other ranges, ports, excludes or --limit): not shards of one scan');
    } else if (p.rec.shards !== ref.rec.shards) {
      problems.push(`${p.file}: shard ${p.rec.shard} of ${p.rec.shards}, but ${ref.file} is shard ${ref.rec.shard} of ${ref.rec.shards}: ` +
        'one scan has one shard count');
    }
  }
  if (problems.length) return { problems, order: [], merged: null };

  const n = ref.rec.shards;
  // Where a part starts in the order: a run resumed at or before its shard's first index is
  // the shard from its start (targets counts from there too).
  const start = (p: Part) => firstIndex(BigInt(p.rec.resume_index), { index: BigInt(p.rec.shard), of: BigInt(n) });
  const byShard = new Map<number, Part[]>();
  for (const p of parts) {
    const have = byShard.get(p.rec.shard) ?? [];
    const twin = have.find((q) => start(q) === start(p));
    if (twin) {
      const at = start(p) === BigInt(p.rec.shard - 1) ? '' : ` (both resumed at index ${p.rec.resume_index})`;
      problems.push(`shard ${p.rec.shard} of ${n} is given twice${at}: ${twin.file} and ${p.file}`);
      continue;
    }
    have.push(p);
    byShard.set(p.rec.shard, have);
  }
  const missing: number[] = [];
  for (let s = 1; s <= n; s++) {
    const have = byShard.get(s);
    if (!have) { missing.push(s); continue; }
    have.sort((a, b) => (start(a) < start(b) ? -1 : start(a) > start(b) ? 1 : 0));
    if (start(have[0]) !== BigInt(s - 1)) {
      problems.push(`shard ${s} of ${n}: only parts resumed later (at index ${have[0].rec.resume_index}) are given; the part from its start is missing`);
    }
  }
  if (missing.length) {
    const have = [...byShard.keys()].sort((a, b) => a - b);
    problems.push(`${missing.length === 1 ? 'shard' : 'shards'} ${list(missing)} of ${n} ${missing.length === 1 ? 'is' : 'are'} missing` +
      (have.length ? ` (given: ${list(have)})` : ''));
  }
  if (problems.length) return { problems, order: [], merged: null };

  const order = [...byShard.keys()].sort((a, b) => a - b).flatMap((s) => byShard.get(s)!);
  let targets = 0n;
  for (const p of order) if (start(p) === BigInt(p.rec.shard - 1)) targets += BigInt(p.rec.targets);
  const merged: ShardRecord = {
    type: 'shard', seed: ref.rec.seed, plan: ref.rec.plan, shard: 1, shards: 1, resume_index: 0, targets, total: ref.rec.total,
  };
  return { problems, order, merged };
}
