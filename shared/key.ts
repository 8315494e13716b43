// The key file blast and catch share: 32 hex digits (128 bits) on one line, mode 0600, ours.
// It is read only when private to us (as ssh reads a private key), and written whole or not at
// all: a new file beside it (O_EXCL, no symlink followed), fsynced, then put in place.
import * as fs from 'fs';
import * as path from 'path';
import * as crypto from 'crypto';
import { FatalError, UsageError } from './exit';
import { chownName, errnoText, myUid, notPrivate, shellQuote } from './private';

export function newKey(): Uint8Array {
  return new Uint8Array(crypto.randomBytes(16));
}

export function formatKey(key: Uint8Array): string {
  return Buffer.from(key).toString('hex') + '\n';
}

/** Writes a new key file; refuses to replace one unless force, since replacing breaks a running
 *  scan. The key goes to a new file in the same directory, created O_EXCL|O_NOFOLLOW with mode
 *  0600 and fsynced, which is then linked (no force: fails if FILE exists) or renamed (force)
 *  onto FILE: a symlink at FILE is replaced, never followed, another user's file is replaced by
 *  ours, and a failed write (a full disk) leaves FILE as it was. */
export function writeKeyFile(file: string, key: Uint8Array, force = false): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${crypto.randomBytes(6).toString('hex')}.tmp`);
  let fd = -1;
  try {
    fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
    fs.fchmodSync(fd, 0o600);   // exactly 0600, whatever the umask
    const text = Buffer.from(formatKey(key));
    for (let o = 0; o < text.length;) o += fs.writeSync(fd, text, o, text.length - o);
    fs.fsyncSync(fd);
    fs.closeSync(fd); fd = -1;
    if (force) fs.renameSync(tmp, file);
    else {
      fs.linkSync(tmp, file);    // atomic, and fails when FILE exists (a dangling symlink too)
      fs.unlinkSync(tmp);
    }
  } catch (e) {
    if (fd >= 0) fs.closeSync(fd);
    try { fs.unlinkSync(tmp); } catch { /* not created, or renamed already */ }
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EEXIST' && err.syscall === 'link') throw new UsageError(`${file}: key file exists (use --force to replace it)`);
    throw new FatalError(`${file}: ${errnoText(e)}`);
  }
  // The new name must survive a crash too.
  try { const d = fs.openSync(dir, fs.constants.O_RDONLY); try { fs.fsyncSync(d); } finally { fs.closeSync(d); } } catch { /* best effort */ }
}

export function parseKey(text: string, where: string): Uint8Array {
  const hex = text.trim();
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new UsageError(`${where}: not a trawl key (want 32 hex digits on one line)`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** Reads the key file; refuses (FatalError, exit 1) one that is not private to us, with the
 *  chmod or chown that fixes it. */
export function readKeyFile(file: string): Uint8Array {
  const what = `--key-file ${file}`;
  let fd: number;
  try { fd = fs.openSync(file, fs.constants.O_RDONLY); } catch (e) { throw new UsageError(`${what}: ${errnoText(e)}`); }
  try {
    const st = fs.fstatSync(fd);
    // A pipe is fine too (--key-file <(...)): its mode and owner are checked the same way.
    if (!st.isFile() && !st.isFIFO()) throw new UsageError(`${what}: not a regular file`);
    const q = shellQuote(file);
    const why = notPrivate(st, {
      owner: `its owner can read or replace the key: run chown ${chownName(myUid())} ${q}` +
        `${st.mode & 0o077 ? ` && chmod 600 ${q}` : ''}, or make a new key with trawl key FILE`,
      mode: `a key must be readable by you alone: run chmod 600 ${q}`,
    });
    if (why) throw new FatalError(`${what}: ${why}`);
    const buf = Buffer.alloc(256);   // a key is 33 bytes; more is not a key
    let n = 0;
    for (let k; n < buf.length && (k = fs.readSync(fd, buf, n, buf.length - n, null)) > 0;) n += k;
    return parseKey(buf.toString('utf8', 0, n), file);
  } finally {
    fs.closeSync(fd);
  }
}
