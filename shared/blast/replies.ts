// The replies FIFO, blast's end: catch writes 32-byte requests (shared/replies.ts), blast queues
// them and sends them before any new SYN. The FIFO is opened read-write and non-blocking so that
// (1) opening never waits for catch, (2) catch's open never blocks either, and (3) catch
// closing and reopening it is not an end of file; libuv polls the fd, so there is no busy loop.
import * as fs from 'fs';
import * as net from 'net';
import { spawnSync } from 'child_process';
import { REPLY_SIZE } from '../replies';
import { FatalError, UsageError } from '../exit';

export class RepliesQueue {
  buf: Uint8Array;
  head = 0;           // in requests
  count = 0;
  received = 0;
  private partial = new Uint8Array(REPLY_SIZE);
  private partialLen = 0;
  private sock: net.Socket | null = null;
  private paused = false;

  constructor(readonly capacity = 16384, private onData: () => void = () => {}) {
    this.buf = new Uint8Array(capacity * REPLY_SIZE);
  }

  /** Opens (creating with mkfifo if missing) and starts reading the FIFO at path. */
  open(path: string): void {
    let st: fs.Stats | null = null;
    try { st = fs.statSync(path); } catch { /* created below */ }
    if (!st) {
      const r = spawnSync('mkfifo', ['-m', '0600', path], { encoding: 'utf8' });
      if (r.status !== 0) throw new FatalError(`--replies ${path}: cannot create FIFO: ${(r.stderr || r.error?.message || '').trim()}`);
    } else if (!st.isFIFO()) {
      throw new UsageError(`--replies ${path}: not a FIFO (remove it, or give a new path: blast creates it)`);
    }
    const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
    this.sock = new net.Socket({ fd, readable: true, writable: false });
    this.sock.on('data', (d: Buffer) => this.add(d));
    this.sock.on('error', () => { /* a FIFO we hold open for writing cannot fail short of close */ });
  }

  /** Queues raw request bytes (exported for tests and for a mock channel). */
  add(d: Uint8Array): void {
    let o = 0;
    if (this.partialLen > 0) {
      const take = Math.min(REPLY_SIZE - this.partialLen, d.length);
      this.partial.set(d.subarray(0, take), this.partialLen);
      this.partialLen += take; o = take;
      if (this.partialLen === REPLY_SIZE) { this.put(this.partial, 0); this.partialLen = 0; }
    }
    for (; o + REPLY_SIZE <= d.length; o += REPLY_SIZE) this.put(d, o);
    if (o < d.length) { this.partial.set(d.subarray(o), 0); this.partialLen = d.length - o; }
    if (this.count >= this.capacity - 256 && this.sock && !this.paused) { this.sock.pause(); this.paused = true; }
    this.onData();
  }

  // A full queue drops nothing: the socket is paused above before the queue can overflow, and
  // the kernel's pipe buffer holds the rest; the oldest request is overwritten only if a
  // caller of add() ignores that (never in blast).
  private put(src: Uint8Array, off: number): void {
    if (this.count >= this.capacity) { this.head = (this.head + 1) % this.capacity; this.count--; }
    const k = (this.head + this.count) % this.capacity;
    this.buf.set(src.subarray(off, off + REPLY_SIZE), k * REPLY_SIZE);
    this.count++;
    this.received++;
  }

  /** Requests readable from head without wrapping, and their bytes. */
  contiguous(): number { return Math.min(this.count, this.capacity - this.head); }
  view(): Uint8Array { return this.buf.subarray(this.head * REPLY_SIZE); }

  drop(n: number): void {
    this.head = (this.head + n) % this.capacity;
    this.count -= n;
    if (this.count === 0) this.head = 0;
    if (this.paused && this.count < this.capacity / 2 && this.sock) { this.paused = false; this.sock.resume(); }
  }

  close(): void {
    if (this.sock) { this.sock.destroy(); this.sock = null; }
  }
}
