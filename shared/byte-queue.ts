// Bytes waiting for a slow file descriptor (catch's stdout pipe), copied into blocks that are
// reused once written, and written by the thread pool one write at a time. A queue of N bytes
// holds about N bytes: a queue of the writers' own Buffers kept each batch (and Node's writev
// joined them all into one more copy), and the written ones stayed until V8 collected them,
// which a process with a small heap does only once 64 MB of such memory piled up (catch at
// 100% answering targets on the banner testbed: 83 MB more than at 0%).
import * as fs from 'fs';

const BLOCK = 256 * 1024;
// Written blocks kept for the next bytes (4 MiB); more are let go. A block let go stays resident
// until V8 collects it, which catch's small heap rarely makes it do, and the next burst then maps
// new ones: at 4 kept, catch mapped 22-31 blocks on the banner bench at 50-100% answering while
// at most 13-20 held bytes at once (banners behind by up to 5 MB); at 16, as many as held at once
// (8-24 in a run of the five shares).
const SPARE = 16;

export class ByteQueue {
  private blocks: Buffer[] = [];   // oldest first; the last is being filled
  private head = 0;                // bytes of blocks[0] already written
  private tail = 0;                // bytes of the last block filled
  private spare: Buffer[] = [];
  private writing = false;
  /** Bytes queued and not yet written. */
  size = 0;
  /** Blocks allocated so far: each stays resident until V8 collects it. */
  made = 0;
  /** The first write error; nothing is written after it. */
  error: NodeJS.ErrnoException | null = null;

  /** onProgress runs after every write that completed or failed. */
  constructor(private fd: number, private onProgress: () => void) {}

  /** Copies b into the queue (b may change once this returns) and starts writing. */
  push(b: Uint8Array): void {
    if (this.error) return;
    for (let o = 0; o < b.length;) {
      let last = this.blocks[this.blocks.length - 1];
      if (!last || this.tail === BLOCK) {
        last = this.spare.pop() ?? (this.made++, Buffer.allocUnsafeSlow(BLOCK));
        this.blocks.push(last);
        this.tail = 0;
      }
      const n = Math.min(BLOCK - this.tail, b.length - o);
      last.set(b.subarray(o, o + n), this.tail);
      this.tail += n; o += n; this.size += n;
    }
    this.pump();
  }

  private pump(): void {
    if (this.writing || this.size === 0 || this.error) return;
    const first = this.blocks[0], end = this.blocks.length === 1 ? this.tail : BLOCK;
    this.writing = true;
    fs.write(this.fd, first, this.head, end - this.head, null, (e, n) => {
      this.writing = false;
      // Node's own stdout handle leaves a pipe non-blocking: a full pipe is tried again shortly.
      if (e && e.code === 'EAGAIN') { setTimeout(() => this.pump(), 2); return; }
      if (e) { this.error = e; this.onProgress(); return; }
      this.head += n; this.size -= n;
      // The last block may have grown while it was written: it is done only when all of it is.
      if (this.blocks.length === 1 ? this.head === this.tail : this.head === BLOCK) {
        this.head = 0;
        if (this.blocks.length === 1) this.tail = 0;   // empty: the block is filled again from its start
        else {
          this.blocks.shift();
          if (this.spare.length < SPARE) this.spare.push(first);
        }
      }
      this.onProgress();
      this.pump();
    });
  }
}
