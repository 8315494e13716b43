// Test helpers for the replies channel: frames sealed as catch seals them, and bytes read back
// as blast reads them (framing, MAC, freshness, replay), decoded.
import * as fs from 'fs';
import { spawn, spawnSync } from 'child_process';
import { decodeReply, encodeReply, ReplyRequest, replyLength, REPLY_MAX_FRAME } from '../shared/replies';
import { TRAWL } from './helpers';
import { Sealer } from '../shared/replies-auth';
import { RepliesQueue } from '../shared/blast/replies';

/** The requests as one writer's sealed frames, back to back. */
export function sealedFrames(key: Uint8Array, reqs: ReplyRequest[], sealer = new Sealer(key)): Uint8Array {
  const buf = new Uint8Array(reqs.length * REPLY_MAX_FRAME);
  let o = 0;
  for (const r of reqs) {
    const len = encodeReply(r, buf, o);
    sealer.seal(buf, o, len);
    o += len;
  }
  return buf.slice(0, o);
}

/** Unsealed frames (catch's engine output) decoded, walking their lengths. */
export function decodeFrames(buf: Uint8Array, bytes = buf.length): ReplyRequest[] {
  const out: ReplyRequest[] = [];
  for (let o = 0; o < bytes; o += replyLength(buf, o)) out.push(decodeReply(buf, o));
  return out;
}

/** Bytes read from a FIFO, taken as blast takes them: the accepted requests and the queue (drops). */
export function readRequests(key: Uint8Array, bytes: Uint8Array): { reqs: ReplyRequest[]; queue: RepliesQueue } {
  const q = new RepliesQueue(key);
  q.add(bytes);
  const v = q.view();
  return { reqs: decodeFrames(v, v.length), queue: q };
}

/** The fields catch's requests carry (the rest are zero), for comparisons. */
export function core(r: ReplyRequest) {
  return { kind: r.kind, slot: r.slot, daddr: r.daddr, saddr: r.saddr, dport: r.dport, sport: r.sport, seq: r.seq, ack: r.ack };
}

/** Reads what a FIFO opened non-blocking holds now. */
export function readFifo(fd: number): Buffer {
  const chunks: Buffer[] = [];
  const b = Buffer.alloc(65536);
  for (;;) {
    let n = 0;
    try { n = fs.readSync(fd, b, 0, b.length, null); } catch (e) { if ((e as NodeJS.ErrnoException).code === 'EAGAIN') break; throw e; }
    if (n <= 0) break;
    chunks.push(Buffer.from(b.subarray(0, n)));
  }
  return Buffer.concat(chunks);
}

/** Runs catch with --replies on a new FIFO (mode 0600) while reading the FIFO, as blast would. */
export async function catchReading(args: string[], fifo: string): Promise<{ code: number | null; stdout: string; stderr: string; bytes: Buffer }> {
  spawnSync('mkfifo', ['-m', '600', fifo]);
  const fd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const chunks: Buffer[] = [];
  const p = spawn(process.execPath, [TRAWL, 'catch', ...args, '--replies', fifo]);
  let stdout = '', stderr = '';
  p.stdout.on('data', (d) => { stdout += d; });
  p.stderr.on('data', (d) => { stderr += d; });
  const poll = setInterval(() => chunks.push(readFifo(fd)), 5);
  const code = await new Promise<number | null>((res) => p.on('close', res));
  clearInterval(poll);
  chunks.push(readFifo(fd));
  fs.closeSync(fd);
  return { code, stdout, stderr, bytes: Buffer.concat(chunks) };
}
