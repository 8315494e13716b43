// scan --shard: the shard record of the run, asked of `trawl targets --plan` so that the code
// that generates the targets also names their plan; and the summary line that states the
// shard's own rate beside the whole scan's (--rate is per shard: every machine sends at it).
import { spawnSync } from 'child_process';
import { asShardRecord, ShardRecord } from '../shard-record';
import { parseLine } from '../ndjson-reader';
import { MAIN } from './children';

export type Plan = { line: string; rec: ShardRecord } | { code: number; stderr: string };

/** Runs `trawl targets ARGS --plan`: the shard record, or targets' exit code and messages. */
export function planOf(targetArgs: string[]): Plan {
  const r = spawnSync(process.execPath, [MAIN, 'targets', ...targetArgs, '--plan', '-q'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) return { code: r.status ?? 1, stderr: r.stderr };
  const line = r.stdout.trim();
  const parsed = parseLine(line);
  const rec = typeof parsed === 'string' || Array.isArray(parsed) ? parsed : asShardRecord(parsed);
  if (typeof rec === 'string' || Array.isArray(rec)) return { code: 1, stderr: `trawl scan: trawl targets --plan wrote no shard record: ${line}\n` };
  return { line: line + '\n', rec };
}

export function shardStart(rec: ShardRecord, from: string | undefined): string {
  return `shard ${rec.shard}/${rec.shards}${from ? ` (${from})` : ''}: ${rec.targets} of ${rec.total} targets, seed ${rec.seed}, ` +
    `plan ${rec.plan}; --rate is per shard`;
}

/** blast's last status record -> "shard 2/4: 1024 SYNs at 99 packets/s; 4 shards at this rate: 396 packets/s". */
export function shardSummary(rec: ShardRecord, blast: Record<string, number> | undefined): string {
  if (!blast || !blast.syns) return `shard ${rec.shard}/${rec.shards}: no SYN sent`;
  return `shard ${rec.shard}/${rec.shards}: ${blast.syns} SYNs at ${blast.pps} packets/s; ` +
    `${rec.shards} shards at this rate: ${blast.pps * rec.shards} packets/s`;
}
