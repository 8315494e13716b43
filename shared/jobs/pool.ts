// banners --jobs N: N child processes (this trawl command again, each told its share by JOB_ENV)
// read the same input, and each parses the records of the ip:ports that hash to it
// (shared/jobs/share.ts), so every core parses banners and each job sees every record of its
// ports. The pool itself parses nothing and splits no line:
//   - input: a regular file is read by each job itself; a pipe is copied to every job as read,
//     cut at the last newline of what came (so an interrupt never hands a job half a line);
//   - output: a regular file or /dev/null is written by each job itself, a whole line per write
//     at the file's offset, which the jobs share (Linux serialises writes to one open file);
//     anything else (a pipe, a terminal) is forwarded by the pool in whole lines as they come.
// Records of one ip:port keep their input order; records of different ones interleave.
//
// Processes, not worker threads, and no per-line work in the pool (stop 29, 200,000 real banners,
// 2 cores): threads shared one OpenSSL, whose X509Certificate cost 1,165 ms in each of two
// workers against 1,458 ms in all for one job; a pool that split lines and copied each to its
// job, and forwarded the jobs' output, spent about 1 s of CPU, more than half of one job's whole
// work (2.3 s for --jobs 2 against 1.5 s for one job). Figures in trawl-banners(1).
import * as fs from 'fs';
import type { Readable } from 'stream';
import { IO, processIO } from '../io';
import type { Reporter } from '../report';
import { DEFAULT_MAX_LINE } from '../ndjson-reader';
import { LineWriter } from '../writer';
import { Status, StatusFields } from '../status';
import { catchInterrupts } from '../signals';
import { EXIT_FAIL, EXIT_INTERRUPTED, EXIT_OK, EXIT_REJECTED, FatalError } from '../exit';
import { startStage, Stage } from '../scan/children';
import { JOB_ENV, JOB_FROM_ENV } from './share';

export interface PoolOptions {
  cmd: string;
  argv: string[];            // each job's command line (the user's, --status-ndjson left out)
  jobs: number;
  quiet: boolean;
  statusNdjson: boolean;
}

/** Where a regular file on fd stands (its jobs read on from there), or null for anything else. */
function fileOffset(fd: number): number | null {
  try {
    if (!fs.fstatSync(fd).isFile()) return null;
    const pos = /^pos:\s*(\d+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1'));
    return pos ? Number(pos[1]) : null;
  } catch { return null; }
}

/** Whether jobs may write to fd themselves: a regular file or /dev/null. */
function sharedByJobs(fd: number): boolean {
  try {
    const st = fs.fstatSync(fd);
    return st.isFile() || (st.isCharacterDevice() && st.rdev === fs.statSync('/dev/null').rdev);
  } catch { return false; }
}

/** Runs opts.cmd on opts.jobs child processes over io.stdin; resolves with the exit status. */
export async function runPool(opts: PoolOptions, io: IO, report: Reporter): Promise<number> {
  const jobs = opts.jobs;
  const std = processIO();
  const from = io.stdin === std.stdin ? fileOffset(0) : null;
  const direct = io.stdout === std.stdout && sharedByJobs(1);
  const w = new LineWriter(io.stdout);
  let handed = 0;
  let failed: string | null = null;
  let ending = false, quit!: () => void;
  // A job that ends before its input did (it could not go on) ends the run.
  const quitEarly = new Promise<void>((resolve) => { quit = resolve; });
  const stages: Stage[] = [];
  const codes: Promise<number>[] = [];
  const outputs: Promise<void>[] = [];
  for (let j = 0; j < jobs; j++) {
    const env: Record<string, string> = { [JOB_ENV]: `${j}/${jobs}` };
    if (from !== null) env[JOB_FROM_ENV] = String(from);
    const s = startStage(opts.cmd, opts.argv, io.stderr, from !== null ? 0 : 'pipe', direct ? 1 : 'pipe', { env, label: `trawl ${opts.cmd}: job ${j + 1}` });
    stages.push(s);
    codes.push(s.exit.then((code) => {
      // A job reading a pipe ends after its input; one reading the file, when it has read it all
      // or could not go on.
      if (!ending && (from === null || (code !== EXIT_OK && code !== EXIT_REJECTED))) {
        failed ??= from === null ? `job ${j + 1} ended before its input (status ${code})` : `job ${j + 1} failed (status ${code})`;
        quit();
      }
      return code;
    }));
    if (!direct) outputs.push(forward(s.child.stdout!, w));
  }

  const status = new Status(opts.cmd, io.stderr, () => ({
    fields: from !== null ? { jobs } : { bytes: handed, jobs } as StatusFields,
    text: from !== null ? `${jobs} jobs reading the input file` : `${(handed / 1048576).toFixed(1)} MB handed to ${jobs} jobs`,
  }), { quiet: opts.quiet, ndjson: opts.statusNdjson }).start();
  const intr = catchInterrupts();
  const reading = from !== null ? new Promise<void>(() => { /* the jobs read; their exits end the run */ }) : tee(io.stdin, stages, (n) => { handed += n; }, () => Boolean(intr.signal || failed || w.closed));

  let exits: number[] = [];
  try {
    const all = Promise.all(codes);
    // Our reader went away (| head): the jobs' output is closed, so they stop as on their own EPIPE.
    const closed = new Promise<void>((resolve) => { io.stdout.once('error', () => resolve()); io.stdout.once('close', () => resolve()); });
    await Promise.race([reading, intr.stopped, quitEarly, all, closed]);
    // End of input, a signal or a closed output: each job gets the end of its input, writes what
    // it holds and exits with its status. Jobs reading a file themselves are stopped as on SIGTERM.
    ending = true;
    for (const s of stages) s.child.stdin?.end();
    if (w.closed) for (const s of stages) s.child.stdout?.destroy();
    else if (from !== null && (intr.signal || failed)) for (const s of stages) s.child.kill('SIGTERM');
    exits = await all;
    await Promise.all(outputs);
  } finally {
    intr.dispose();
    status.stop(!intr.signal);
  }
  await w.end();
  if (w.error) throw new FatalError(`cannot write: ${w.error.message}`);
  if (failed) report.error(`--jobs: ${failed}`);
  if (intr.signal) {
    report.error(from !== null ? 'interrupted: each job wrote every record of the lines it read'
      : `interrupted after ${handed} bytes; every whole line read was handed to the jobs and every record they made was written`);
    return EXIT_INTERRUPTED;
  }
  if (w.closed) return EXIT_OK;
  if (failed || exits.some((c) => c !== EXIT_OK && c !== EXIT_REJECTED)) return Math.max(EXIT_FAIL, ...exits.filter((c) => c !== EXIT_REJECTED));
  return exits.includes(EXIT_REJECTED) ? EXIT_REJECTED : EXIT_OK;
}

/** Copies input to every job's stdin, up to the last newline read (the rest waits for its
 *  newline, or goes on once longer than a line may be: the jobs report it), reading on once
 *  every job took its copy. Resolves at the end of input, or when stop() says so. */
function tee(input: Readable, stages: Stage[], count: (n: number) => void, stop: () => boolean): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let carry: Buffer[] = [], carried = 0;
    const give = (b: Buffer) => {
      if (b.length === 0) return true;
      count(b.length);
      let ok = true;
      for (const s of stages) if (!s.child.stdin!.write(b)) ok = false;
      return ok;
    };
    const end = () => { input.off('data', data); input.off('end', finish); input.pause(); resolve(); };
    const finish = () => { for (const b of carry) give(b); carry = []; end(); };
    const data = (chunk: Buffer) => {
      if (stop()) { end(); return; }
      const upto = chunk.lastIndexOf(10) + 1;   // the bytes of this chunk that end a line
      if (upto === 0 && carried + chunk.length <= DEFAULT_MAX_LINE) { carry.push(chunk); carried += chunk.length; return; }
      let ok = true;
      for (const b of carry) ok = give(b) && ok;
      const cut = upto === 0 ? chunk.length : upto;   // a line too long already goes on as it comes
      ok = give(chunk.subarray(0, cut)) && ok;
      carry = cut < chunk.length ? [chunk.subarray(cut)] : [];
      carried = chunk.length - cut;
      if (ok) return;
      // Some job's pipe is full: read on once every job has drained its copy (or is gone).
      input.pause();
      void Promise.all(stages.map((s) => drained(s.child.stdin!))).then(() => { if (stop()) end(); else input.resume(); });
    };
    input.on('data', data);
    input.on('end', finish);
    input.on('error', reject);
  });
}

function drained(w: NodeJS.WritableStream & { writableNeedDrain?: boolean }): Promise<void> {
  if (!w.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => { w.off('drain', done); w.off('close', done); resolve(); };
    w.on('drain', done); w.on('close', done);
  });
}

/** Copies a job's output to ours in whole lines (a pipe's read can end inside one), pausing the
 *  job while our reader is behind. Resolves when the job's output ends. */
function forward(from: Readable, w: LineWriter): Promise<void> {
  return new Promise<void>((resolve) => {
    // The start of a line whose newline has not come: kept in parts, joined once (a 1 MiB
    // banner's line comes in 16 reads, each concatenated with the last cost 8 MiB of copies).
    let carry: Buffer[] = [];
    from.on('data', (d: Buffer) => {
      const nl = d.lastIndexOf(10);
      if (nl < 0) { carry.push(d); return; }
      const whole = carry.length ? Buffer.concat([...carry, d.subarray(0, nl + 1)]) : d.subarray(0, nl + 1);
      carry = nl + 1 < d.length ? [d.subarray(nl + 1)] : [];
      const p = w.bytes(whole);
      if (p) { from.pause(); void p.then(() => from.resume()); }
    });
    from.on('end', () => { if (carry.length) w.bytes(Buffer.concat(carry)); resolve(); });
    from.on('error', () => resolve());
  });
}
