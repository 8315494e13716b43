// A worker thread of banners --jobs (shared/jobs/pool.ts runs it): the command's own run() over
// the lines the router sends it, its output and diagnostics sent back as messages.
//
// Messages from the router: { lines: Uint8Array, nums: Float64Array } (whole lines, each ending
// in a newline, and the router's line number of each), { end: true }, { ack: true } (one output chunk
// written). To the router: { credit: bytes } (lines handed to the reader: the router may send
// more), { out: string | Uint8Array }, { err: string }, { done: exit code }.
import { parentPort, workerData } from 'worker_threads';
import { Readable, Writable } from 'stream';
import { loadCommand } from '../commands';
import type { IO } from '../io';

const port = parentPort!;
const { cmd, argv } = workerData as { cmd: string; argv: string[] };

// The router's numbers of our lines, in runs: lines first..first+nums.length-1 of ours are nums.
const runs: { first: number; nums: Float64Array }[] = [];
let linesIn = 0;
function lineOf(n: number): number {
  // Lines are read in order: runs wholly before n are done with.
  while (runs.length > 1 && runs[0].first + runs[0].nums.length <= n) runs.shift();
  const r = runs[0];
  return r && n >= r.first && n < r.first + r.nums.length ? r.nums[n - r.first] : n;
}

// Lines wait here until the reader wants them; each handed over returns its bytes as credit.
const queue: Buffer[] = [];
let wanting = false, ended = false;
const give = () => {
  while (queue.length) {
    const s = queue.shift()!;
    port.postMessage({ credit: s.length });
    if (!stdin.push(s)) return;
  }
  if (ended) stdin.push(null); else wanting = true;
};
const stdin = new Readable({ highWaterMark: 256 * 1024, read() { wanting = false; give(); } });

// Output chunks (whole lines: LineWriter writes nothing else) leave as messages; a write is done
// when the router has written it, so the command's writer waits for the router's pipe as for its own.
const done: ((e?: Error | null) => void)[] = [];
const stdout = new Writable({
  highWaterMark: 1024 * 1024,
  write(chunk: Buffer | string, _enc, cb) { port.postMessage({ out: chunk }); done.push(cb); },
});
const stderr = new Writable({ write(chunk: Buffer | string, _enc, cb) { port.postMessage({ err: chunk.toString() }); cb(); } });

port.on('message', (m: { lines?: Uint8Array; nums?: Float64Array; end?: boolean; ack?: boolean }) => {
  if (m.ack) { done.shift()?.(); return; }
  if (m.lines !== undefined) {
    runs.push({ first: linesIn + 1, nums: m.nums! });
    linesIn += m.nums!.length;
    queue.push(Buffer.from(m.lines.buffer, m.lines.byteOffset, m.lines.length));
  }
  if (m.end) ended = true;
  if (wanting) { wanting = false; give(); }
});

const io: IO = { stdin, stdout, stderr, share: { lineOf } };
loadCommand(cmd)!.run(argv, io).then(
  (code) => port.postMessage({ done: code }),
  (e) => port.postMessage({ err: `trawl ${cmd}: ${(e as Error).message}\n`, done: 1 }),
);
