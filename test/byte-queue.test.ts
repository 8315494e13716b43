// shared/byte-queue.ts: catch's stdout queue for a slow reader. Bytes come out whole and in
// order, and bursts reuse the blocks written, so the queue's memory is what it held at most.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { ByteQueue } from '../shared/byte-queue';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-bq-'));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('bursts through a pipe read late: every byte in order, and the blocks of one burst serve the next', async () => {
  const file = path.join(dir, 'q');
  assert.is(spawnSync('mkfifo', ['-m', '600', file]).status, 0);
  const rd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
  const wr = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  let progress: () => void = () => {};
  const q = new ByteQueue(wr, () => progress());
  const chunk = Buffer.alloc(100_000);
  let sent = 0, got = 0;
  const burst = (bytes: number) => {
    for (let n = 0; n < bytes; n += chunk.length) {
      for (let i = 0; i < chunk.length; i++) chunk[i] = (sent + i) % 251;
      q.push(chunk);
      sent += chunk.length;
    }
  };
  const drain = async () => {
    const b = Buffer.alloc(1 << 20);
    while (got < sent) {
      let n = 0;
      try { n = fs.readSync(rd, b, 0, b.length, null); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e; }
      for (let i = 0; i < n; i++) if (b[i] !== (got + i) % 251) assert.unreachable(`byte ${got + i} out of order`);
      got += n;
      if (n === 0) await new Promise<void>((r) => { progress = r; setTimeout(r, 5); });
    }
    while (q.size > 0) await new Promise((r) => setTimeout(r, 5));
  };
  // Five bursts of 3 MB (12 blocks each) with nothing read meanwhile, each drained before the next.
  for (let k = 0; k < 5; k++) { burst(3_000_000); await drain(); }
  assert.is(got, 15_000_000);
  assert.ok(q.made <= 13, `${q.made} blocks made for bursts of 12`);
  fs.closeSync(wr); fs.closeSync(rd);
});

test.run();
