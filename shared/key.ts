// The key file blast and catch share: 32 hex digits (128 bits) on one line, mode 0600.
import * as fs from 'fs';
import * as crypto from 'crypto';
import { FatalError, UsageError } from './exit';

export function newKey(): Uint8Array {
  return new Uint8Array(crypto.randomBytes(16));
}

export function formatKey(key: Uint8Array): string {
  return Buffer.from(key).toString('hex') + '\n';
}

/** Writes a new key file; refuses to replace one unless force, since replacing breaks a running scan. */
export function writeKeyFile(file: string, key: Uint8Array, force = false): void {
  const flags = force ? 'w' : 'wx';
  try {
    fs.writeFileSync(file, formatKey(key), { mode: 0o600, flag: flags });
    fs.chmodSync(file, 0o600);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EEXIST') throw new UsageError(`${file}: key file exists (use --force to replace it)`);
    throw new FatalError(`${file}: ${err.message}`);
  }
}

export function parseKey(text: string, where: string): Uint8Array {
  const hex = text.trim();
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new UsageError(`${where}: not a trawl key (want 32 hex digits on one line)`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function readKeyFile(file: string): Uint8Array {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch (e) {
    throw new UsageError(`--key-file ${file}: ${(e as Error).message.replace(/^[A-Z]+: /, '')}`);
  }
  return parseKey(text, file);
}
