// --shard auto: the shard number (and count) from the job engine that started the process:
// a Slurm job array, a Kubernetes Indexed Job or GNU parallel.
import { UsageError } from '../exit';
import type { Shard } from './plan';

type Env = Record<string, string | undefined>;

export interface EngineShard extends Shard { from: string }   // the variables it came from, for the log

const SLURM = ['SLURM_ARRAY_TASK_ID', 'SLURM_ARRAY_TASK_COUNT', 'SLURM_ARRAY_TASK_MIN', 'SLURM_ARRAY_TASK_MAX'];
// The variable that says "this engine started us", per engine, in the order of the messages.
const ENGINES: Array<{ name: string; index: string }> = [
  { name: 'Slurm', index: 'SLURM_ARRAY_TASK_ID' },
  { name: 'Kubernetes', index: 'JOB_COMPLETION_INDEX' },
  { name: 'GNU parallel', index: 'PARALLEL_SEQ' },
];

function whole(env: Env, name: string): bigint {
  const v = env[name];
  if (v === undefined || !/^\d+$/.test(v.trim())) {
    throw new UsageError(`option --shard auto: ${name}=${v === undefined ? '(unset)' : `'${v}'`} is not a whole number`);
  }
  return BigInt(v.trim());
}

/**
 * Resolves `auto` (number and count from the environment; only Slurm states the count) or
 * `auto/N` (number from the environment, N shards). Slurm tasks are numbered as the shards
 * (sbatch --array=1-N); Kubernetes counts completions from 0; GNU parallel's PARALLEL_SEQ from 1.
 */
export function shardFromEnv(spec: string, env: Env = process.env): EngineShard {
  const m = /^auto(?:\/(\d+))?$/.exec(spec.trim());
  if (!m) throw new UsageError(`option --shard: '${spec}' is not I/N, auto or auto/N`);
  const given = m[1] === undefined ? null : BigInt(m[1]);
  if (given !== null && given < 1n) throw new UsageError(`option --shard: '${spec}' needs N >= 1`);
  const set = ENGINES.filter((e) => env[e.index] !== undefined && env[e.index] !== '');
  if (set.length === 0) {
    throw new UsageError(`option --shard ${spec}: none of ${ENGINES.map((e) => e.index).join(', ')} is set ` +
      '(not started by a Slurm job array, a Kubernetes Indexed Job or GNU parallel): give --shard I/N');
  }
  if (set.length > 1) {
    throw new UsageError(`option --shard ${spec}: ${set.map((e) => `${e.index}=${env[e.index]}`).join(' and ')} are set ` +
      '(one engine inside another): give --shard I/N');
  }
  const engine = set[0];
  const raw = whole(env, engine.index);
  let index: bigint, of: bigint, from: string;
  if (engine.name === 'Slurm') {
    index = raw;
    from = `SLURM_ARRAY_TASK_ID=${raw}`;
    if (given !== null) of = given;
    else {
      // The count is the array's only when the array is 1-N: a rerun of some tasks (--array=3)
      // or a stepped array would otherwise give each task a wrong shard.
      const count = whole(env, 'SLURM_ARRAY_TASK_COUNT'), min = whole(env, 'SLURM_ARRAY_TASK_MIN'), max = whole(env, 'SLURM_ARRAY_TASK_MAX');
      if (min !== 1n || max !== count) {
        throw new UsageError(`option --shard auto: ${SLURM.map((n) => `${n}=${env[n]}`).join(', ')}: not an array 1-N ` +
          '(sbatch --array=1-N); to run some of the tasks again, give the shard count: --shard auto/N');
      }
      of = count;
      from += `, SLURM_ARRAY_TASK_COUNT=${count}`;
    }
  } else {
    index = engine.name === 'Kubernetes' ? raw + 1n : raw;
    from = `${engine.index}=${raw}`;
    if (given === null) {
      throw new UsageError(`option --shard auto: ${engine.name} sets ${engine.index}=${raw} but not the number of ` +
        `${engine.name === 'Kubernetes' ? "completions: give --shard auto/N with the Job's completions" : 'jobs: give --shard auto/N ({##} in the parallel command)'}`);
    }
    of = given;
  }
  if (index < 1n || index > of) {
    throw new UsageError(`option --shard ${spec}: ${from} gives shard ${index} of ${of}, outside 1-${of}` +
      (engine.name === 'Slurm' ? ' (number the array 1-N: sbatch --array=1-N)' : ''));
  }
  return { index, of, from };
}
