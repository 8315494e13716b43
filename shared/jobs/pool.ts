// banners --jobs N: N worker threads each run the command over a share of the input, routed by
// ip:port (route.ts), so every core parses banners. The router only splits lines, hashes a key
// and batches: it never parses a record. Output chunks are whole lines, written as they come:
// records of one ip:port keep their input order, records of different ones interleave.
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { IO } from '../io';
import type { Reporter } from '../report';
import { DEFAULT_MAX_LINE } from '../ndjson-reader';
import { readByteLines } from './byte-lines';
import { quoteInput } from '../quote';
import { LineWriter } from '../writer';
import { Status } from '../status';
import { catchInterrupts } from '../signals';
import { EXIT_FAIL, EXIT_INTERRUPTED, EXIT_OK, EXIT_REJECTED, FatalError } from '../exit';
import { routeOf } from './route';

// Lines go out in batches of this many bytes (one message each); the router stops reading while
// more than IN_FLIGHT bytes sent are not yet in a worker's reader. 256 KiB: a worker's share of a
// record now costs a few microseconds, and 64 KiB batches (a message and a credit each) cost
// banners --jobs 2 about a fifth more CPU (200k records, 2.77 -> 2.26 s); 1 MiB was no better.
const BATCH = 256 * 1024;
const IN_FLIGHT = 8 * 1024 * 1024;

export interface PoolOptions {
  cmd: string;
  argv: string[];            // the worker's command line (the user's, --status-ndjson left out)
  jobs: number;
  quiet: boolean;
  statusNdjson: boolean;
}

class Stop extends Error {}

/** Runs opts.cmd on opts.jobs workers over io.stdin; resolves with the exit status. */
export async function runPool(opts: PoolOptions, io: IO, report: Reporter): Promise<number> {
  const w = new LineWriter(io.stdout);
  const workers: Worker[] = [];
  const codes: number[] = [];
  let inFlight = 0, lines = 0, bad = 0, routed = 0;
  let resumeReading: (() => void) | null = null;
  let ndjson: boolean | null = null;
  let failed: Error | null = null;
  let finish!: () => void, quit!: () => void;
  let running = opts.jobs, ending = false;
  const allDone = new Promise<void>((resolve) => { finish = resolve; });
  // A worker that ends before its input did (it could not go on) ends the run.
  const quitEarly = new Promise<void>((resolve) => { quit = resolve; });
  const ended = (j: number, code: number) => {
    codes[j] = code;
    if (!ending) { failed ??= new Error(`job ${j + 1} ended before its input (status ${code})`); quit(); resumeReading?.(); }
    if (--running === 0) finish();
  };
  const batches = Array.from({ length: opts.jobs }, () => ({ parts: [] as Buffer[], nums: [] as number[], bytes: 0 }));

  for (let j = 0; j < opts.jobs; j++) {
    const wk = new Worker(path.join(__dirname, 'worker.js'), { workerData: { cmd: opts.cmd, argv: opts.argv } });
    wk.on('message', (m: { credit?: number; out?: string | Uint8Array; err?: string; done?: number }) => {
      if (m.credit !== undefined) {
        inFlight -= m.credit;
        if (resumeReading && inFlight <= IN_FLIGHT / 2) { const r = resumeReading; resumeReading = null; r(); }
      }
      if (m.out !== undefined) {
        const p = typeof m.out === 'string' ? w.text(m.out) : w.bytes(m.out);
        if (p) p.then(() => wk.postMessage({ ack: true })); else wk.postMessage({ ack: true });
      }
      if (m.err !== undefined) io.stderr.write(m.err);
      if (m.done !== undefined) ended(j, m.done);
    });
    wk.on('error', (e) => { failed ??= e; ended(j, EXIT_FAIL); });
    workers.push(wk);
  }

  // One message per batch: the lines copied into memory of their own, transferred (not cloned).
  const send = (j: number) => {
    const b = batches[j];
    if (b.bytes === 0) return;
    const out = Buffer.allocUnsafeSlow(b.bytes);
    let o = 0;
    for (const part of b.parts) { o += part.copy(out, o); out[o++] = 10; }
    workers[j].postMessage({ lines: out, nums: Float64Array.from(b.nums) }, [out.buffer as ArrayBuffer]);
    inFlight += b.bytes;
    b.parts = []; b.nums = []; b.bytes = 0;
  };

  const status = new Status(opts.cmd, io.stderr, () => ({
    fields: { lines, routed, bad, jobs: opts.jobs },
    text: `${routed} records routed to ${opts.jobs} jobs${bad ? `, ${bad} bad lines` : ''}`,
  }), { quiet: opts.quiet, ndjson: opts.statusNdjson }).start();
  const intr = catchInterrupts();

  const reading = readByteLines(io.stdin, DEFAULT_MAX_LINE, {
    line(buf, start, end, n) {
      if (w.closed || intr.signal || failed) throw new Stop();
      lines = n;
      // The other formats banners reads (masscan -oJ/-oX, grepable, ZMap CSV) hold state across
      // lines: such an input goes whole to one job.
      if (ndjson === null) {
        let k = start;
        while (k < end && (buf[k] === 32 || buf[k] === 9 || buf[k] === 13)) k++;
        if (k === end) return;
        ndjson = buf[k] === 123;   // {
        if (!ndjson && !opts.quiet) report.warn('--jobs: the input is not NDJSON (its first line does not start with {): one job reads it all');
      }
      const j = ndjson ? routeOf(buf, start, end, opts.jobs) : 0;
      const b = batches[j];
      b.parts.push(buf.subarray(start, end)); b.nums.push(n); b.bytes += end - start + 1;
      routed++;
      if (b.bytes >= BATCH) send(j);
    },
    tooLong(n, head) {
      lines = n; bad++;
      report.error(`stdin:${n}: line longer than ${DEFAULT_MAX_LINE} bytes: ${quoteInput(head.toString('latin1'))}`);
    },
    pause: () => (inFlight > IN_FLIGHT ? new Promise<void>((resolve) => { resumeReading = resolve; }) : null),
  }).catch((e) => { if (!(e instanceof Stop)) throw e; });

  try {
    await Promise.race([reading, intr.stopped, quitEarly]);
    // End of input, a signal or a closed output: each worker gets the rest of its lines and the
    // end of its input, writes what it holds and says its status.
    ending = true;
    if (!w.closed) for (let j = 0; j < opts.jobs; j++) send(j);
    for (const wk of workers) wk.postMessage({ end: true });
    if (w.closed) await Promise.all(workers.map((wk) => wk.terminate()));
    else await allDone;
  } finally {
    intr.dispose();
    status.stop(!intr.signal);
  }
  await w.end();
  if (w.error) throw new FatalError(`cannot write: ${w.error.message}`);
  if (failed) report.error(`--jobs: ${(failed as Error).message}`);
  if (intr.signal) {
    report.error(`interrupted after ${lines} lines; every line read was handed to a worker and every record it made was written`);
    return EXIT_INTERRUPTED;
  }
  if (w.closed) return EXIT_OK;
  if (failed || codes.some((c) => c !== EXIT_OK && c !== EXIT_REJECTED)) return Math.max(EXIT_FAIL, ...codes.filter((c) => c !== EXIT_REJECTED));
  return bad > 0 || codes.includes(EXIT_REJECTED) ? EXIT_REJECTED : EXIT_OK;
}
