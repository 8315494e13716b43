// A job's share of banners --jobs' input (shared/jobs/pool.ts starts the jobs). Every job reads
// every line and keeps those whose ip:port hash to it (route.ts); the others it counts and skips
// before decoding them, at the cost of a newline search and a hash. So a job numbers its lines as
// the whole input does (a bad line is named by its line in the input), and the pool hands the
// same bytes to every job instead of splitting lines for each.
import { routeOf } from './route';
import { PARENT_ENV } from '../scan/children';

/** Set in a job's environment to "J/N": this process is job J (from 0) of N. */
export const JOB_ENV = 'TRAWL_JOB';
/** Set with JOB_ENV when the input is a regular file on fd 0: each job reads it itself, from
 *  this byte offset (where the pool's standard input stood), with reads at explicit offsets that
 *  leave the shared file offset alone. */
export const JOB_FROM_ENV = 'TRAWL_JOB_FROM';

export interface Share { job: number; jobs: number; from: number | null }

/** This process's share, or null when it is not a job. Only a pool's own children are jobs
 *  (startStage sets PARENT_ENV to the pool's pid): a TRAWL_JOB left in a user's environment
 *  must not make a plain `trawl banners` read a share of its input. */
export function shareOf(env: NodeJS.ProcessEnv = process.env, parent = process.ppid): Share | null {
  const m = /^(\d+)\/(\d+)$/.exec(env[JOB_ENV] ?? '');
  if (!m || +m[1] >= +m[2] || env[PARENT_ENV] !== String(parent)) return null;
  const from = env[JOB_FROM_ENV] !== undefined && /^\d+$/.test(env[JOB_FROM_ENV]!) ? Number(env[JOB_FROM_ENV]) : null;
  return { job: +m[1], jobs: +m[2], from };
}

/** Says, for the lines of the input in order, which are this job's. */
export class ShareFilter {
  // The other formats banners reads (masscan -oJ/-oX, grepable, ZMap CSV) hold state across
  // lines: such an input is all the first job's. Decided by the first line that is not blank,
  // as readAnyRecords decides NDJSON.
  ndjson: boolean | null = null;
  constructor(readonly share: Share) {}

  /** Line buf[start, end) without its newline; cut: longer than the limit (buf holds its start:
   *  reported by the first job alone). */
  mine(buf: Buffer, start: number, end: number, cut: boolean): boolean {
    if (this.ndjson === null) {
      let k = start;
      while (k < end && (buf[k] === 32 || buf[k] === 9 || buf[k] === 13)) k++;
      if (k === end && !cut) return false;
      this.ndjson = buf[k] === 123;   // {
    }
    if (!this.ndjson || cut) return this.share.job === 0;
    return routeOf(buf, start, end, this.share.jobs) === this.share.job;
  }
}
