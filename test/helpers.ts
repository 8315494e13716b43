// Test helpers: run a command in-process with captured streams, or spawn the real binary.
import { PassThrough, Readable } from 'stream';
import { spawnSync, SpawnSyncOptions } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { IO } from '../shared/io';
import { frameAt } from '../shared/replies';

export const ROOT = path.join(__dirname, '..', '..');
export const TRAWL = path.join(ROOT, 'dist', 'shared', 'main.js');

export interface Result { code: number; stdout: string; stderr: string }

/** Runs cmds/<name>.run() in this process with stdin given as a string or Buffer. */
export async function runInProcess(name: string, argv: string[], stdin: string | Buffer = ''): Promise<Result> {
  const mod = require(path.join(ROOT, 'dist', 'cmds', name));
  const out = new PassThrough(), err = new PassThrough();
  const chunks: Buffer[] = [], echunks: Buffer[] = [];
  out.on('data', (c) => chunks.push(Buffer.from(c)));
  err.on('data', (c) => echunks.push(Buffer.from(c)));
  const io: IO = { stdin: Readable.from([Buffer.from(stdin)]), stdout: out, stderr: err };
  const code = await mod.run(argv, io);
  return { code, stdout: Buffer.concat(chunks).toString(), stderr: Buffer.concat(echunks).toString() };
}

/** Spawns `trawl ...args` (or a shell pipeline when given a string) and waits for it. */
export function trawl(args: string[], input?: string | Buffer, opts: SpawnSyncOptions = {}): Result {
  const r = spawnSync(process.execPath, [TRAWL, ...args], { input, maxBuffer: 1 << 30, ...opts });
  return { code: r.status ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export function sh(script: string, opts: SpawnSyncOptions = {}): Result {
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', script], {
    maxBuffer: 1 << 30, ...opts, env: { ...process.env, TRAWL: `${process.execPath} ${TRAWL}`, ...(opts.env ?? {}) },
  });
  return { code: r.status ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export function lines(s: string): any[] {
  return s.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** A copy of a fixture's key file with mode 0600, removed at exit: git keeps no file modes,
 *  and blast and catch refuse a key that others can read. */
export function privateKey(file: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-key-'));
  const copy = path.join(dir, path.basename(file));
  fs.writeFileSync(copy, fs.readFileSync(file), { mode: 0o600 });
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return copy;
}

/** Every row a sink format (sqlite) wrote to FILE but the scans table's (times and command
 *  lines), one JSON line per row, in table and row order: what the tests compare for a format
 *  that writes a file instead of standard output. */
export function sinkRows(file: string): string {
  const Database = require('better-sqlite3');
  const db = new Database(file, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'scans' ORDER BY name").all() as { name: string }[];
    return tables.flatMap(({ name }) => (db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all() as object[])
      .map((row) => `${name} ${JSON.stringify(row)}\n`)).join('');
  } finally { db.close(); }
}

/** Reads a nonblocking replies FIFO every pollMs until one whole frame is there (or timeoutMs
 *  pass); its bytes, what came if less, or null. */
export async function oneFrame(fd: number, pollMs = 10, timeoutMs = 5000): Promise<Buffer | null> {
  const buf = Buffer.alloc(4096);
  let got = Buffer.alloc(0);
  for (let waited = 0; waited <= timeoutMs; waited += pollMs) {
    try { const n = fs.readSync(fd, buf, 0, buf.length, null); got = Buffer.concat([got, buf.subarray(0, n)]); } catch { /* EAGAIN */ }
    if (got.length >= 104 && frameAt(got, 0) > 0 && got.length >= frameAt(got, 0)) return got;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return got.length ? got : null;
}
