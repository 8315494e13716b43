// The replies FIFO's pipe as blast grows it: 1 MiB, so catch's requests are not dropped while
// blast is busy sending (a 64 KiB pipe lost a third of the RSTs of a 100 kpps scan).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import { TRAWL } from './helpers';
import { loadNative } from '../native/index';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-pipe-'));
const keyFile = path.join(dir, 'k');
fs.writeFileSync(keyFile, '000102030405060708090a0b0c0d0e0f\n', { mode: 0o600 });
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Bytes a non-blocking writer can put in the pipe of fd before it is full. */
function capacity(fd: number): number {
  const chunk = Buffer.alloc(4096);
  let n = 0;
  for (;;) {
    try { n += fs.writeSync(fd, chunk); } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return n;
      throw e;
    }
  }
}

function fifo(name: string): { file: string; fd: number } {
  const file = path.join(dir, name);
  assert.is(spawnSync('mkfifo', ['-m', '600', file]).status, 0);
  return { file, fd: fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_NONBLOCK) };
}

test('setPipeSize: 1 MiB on a FIFO, -EBADF on a regular file', () => {
  const nat = loadNative();
  const f = fifo('a');
  assert.is(capacity(f.fd), 65536, 'a new pipe holds 64 KiB');
  fs.closeSync(f.fd);
  const g = fifo('b');
  assert.is(nat.setPipeSize(g.fd, 1 << 20), 1 << 20);
  assert.is(capacity(g.fd), 1 << 20);
  fs.closeSync(g.fd);
  const r = fs.openSync(path.join(dir, 'plain'), 'w');
  assert.is(nat.setPipeSize(r, 1 << 20), -os.constants.errno.EBADF);
  fs.closeSync(r);
});

test('blast --replies grows its FIFO to 1 MiB', async () => {
  const f = fifo('replies');
  const child = spawn(process.execPath, [TRAWL, 'blast', '--key-file', keyFile, '--source-ip', '198.19.0.1', '--router-mac', '02:00:00:00:00:0b',
    '--pcap', path.join(dir, 'out.pcap'), '--replies', f.file, '-q']);
  child.stdin.write(JSON.stringify({ type: 'target', ip: '198.18.0.1', port: 80, i: 0 }) + '\n');
  // blast opened the FIFO once it has sent its first SYN (the FIFO is opened before reading).
  const pcap = path.join(dir, 'out.pcap');
  for (let k = 0; k < 250 && !(fs.existsSync(pcap) && fs.statSync(pcap).size > 24); k++) await new Promise((r) => setTimeout(r, 20));
  // Stopped, blast reads nothing: what fits is the pipe's size.
  child.kill('SIGSTOP');
  const n = capacity(f.fd);
  child.kill('SIGKILL');
  fs.closeSync(f.fd);
  assert.is(n, 1 << 20);
});

test.run();
