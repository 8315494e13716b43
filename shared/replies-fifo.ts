// Opens a replies FIFO (blast's and catch's --replies), creating it when missing, and refuses
// one that another user could use: it must be a FIFO, opened without following a symbolic
// link, owned by us with no access for group or others. Otherwise another local user could
// write forged requests into it, read (and so take away) catch's requests, or point a root
// process at a file of their choosing through a symlink.
import * as fs from 'fs';
import { spawnSync } from 'child_process';
import { FatalError } from './exit';
import { errnoText, notPrivate, shellQuote } from './private';

/** Creates a FIFO of mode 0600 at path; mkfifo(2) fails when anything, a dangling symlink
 *  included, is there already. Throws FatalError naming `what`. */
export function makeFifo(path: string, what: string): void {
  // Node has no mkfifo(2); the coreutils one sets the mode exactly (-m), whatever the umask.
  const r = spawnSync('mkfifo', ['-m', '0600', '--', path], { encoding: 'utf8' });
  if (r.status !== 0) throw new FatalError(`${what}: cannot create the FIFO: ${(r.stderr || r.error?.message || '').trim().replace(/^mkfifo: /, '')}`);
}

/** Opens the FIFO at path read-write and non-blocking (so that opening never waits for the
 *  other end, and the other end closing is no end of file), creating it when missing; returns
 *  the descriptor. Throws FatalError (exit 1) naming `--replies PATH` and the reason. */
export function openRepliesFifo(path: string): number {
  const what = `--replies ${path}`;
  let st: fs.Stats | null = null;
  try { st = fs.lstatSync(path); } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new FatalError(`${what}: ${errnoText(e)}`);
  }
  if (!st) {
    // catch and banners may both create it at once: the one that loses the race opens the other's.
    try { makeFifo(path, what); } catch (e) {
      try { st = fs.lstatSync(path); } catch { throw e; }
      if (!st.isFIFO()) throw e;
    }
  } else if (st.isSymbolicLink()) {
    throw new FatalError(`${what}: is a symbolic link, which trawl does not follow: give the FIFO's own path, or a new path (trawl creates the FIFO)`);
  } else if (!st.isFIFO()) {
    throw new FatalError(`${what}: not a FIFO: give a new path (trawl creates the FIFO) or an existing FIFO`);
  }
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new FatalError(`${what}: is a symbolic link, which trawl does not follow`);
    throw new FatalError(`${what}: ${errnoText(e)}`);
  }
  const fst = fs.fstatSync(fd);
  const why = !fst.isFIFO() ? 'not a FIFO (it was replaced while being opened)' : notPrivate(fst, {
    owner: `its owner can forge or read requests: remove it (rm ${shellQuote(path)}), or give a path in a directory only you can write`,
    mode: `they could forge or read requests: run chmod 600 ${shellQuote(path)}`,
  });
  if (why) {
    fs.closeSync(fd);
    throw new FatalError(`${what}: ${why}`);
  }
  return fd;
}
