// Shard outputs written by fmt -o sqlite: their heads (the shard record, kept in the `other`
// table) and their merge into one new database, table by table in SQL, with the rows one
// machine's run would have written: one scans row, every result row under it, each
// certificate once, the merged shard record in place of the shards' own.
import * as fs from 'fs';
import { FatalError } from '../exit';
import { asShardRecord, shardLine, ShardRecord } from '../shard-record';
import { INDEXES, SCHEMA } from '../formats/sqlite-schema';
import type { Part } from './check';
import type { AnyRecord } from '../records';

// The few calls of better-sqlite3 used here (the package ships no types).
interface Database {
  exec(sql: string): void;
  prepare(sql: string): { all(...p: unknown[]): any[]; get(...p: unknown[]): any; run(...p: unknown[]): { changes: number; lastInsertRowid: number | bigint } };
  pragma(s: string): unknown;
  close(): void;
}
type Driver = new (file: string, opts?: { readonly?: boolean; fileMustExist?: boolean }) => Database;

const MAGIC = 'SQLite format 3\0';

/** Whether FILE is an SQLite database (by its 16-byte header). */
export function isSqlite(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(16);
    return fs.readSync(fd, b, 0, 16, 0) === 16 && b.toString('latin1') === MAGIC;
  } finally { fs.closeSync(fd); }
}

function driver(): Driver {
  try { return require('better-sqlite3'); } catch (e) { throw new FatalError(`reading SQLite needs better-sqlite3 (npm ci): ${(e as Error).message}`); }
}

function open(file: string, readonly: boolean): Database {
  try { return new (driver())(file, readonly ? { readonly: true, fileMustExist: true } : {}); } catch (e) { throw new FatalError(`cannot ${readonly ? 'read' : 'write'} ${file}: ${(e as Error).message}`); }
}

/** The shard record of an SQLite shard output: exactly one, or an error naming the file. */
export function sqliteHead(file: string): Part {
  const db = open(file, true);
  try {
    let rows: { record: string }[];
    try { rows = db.prepare("SELECT record FROM other WHERE type = 'shard' ORDER BY rowid").all(); } catch (e) {
      throw new FatalError(`${file}: not a database of trawl fmt -o sqlite: ${(e as Error).message}`);
    }
    if (rows.length === 0) throw new FatalError(`${file}: no shard record: a shard output holds its shard record (trawl scan --shard ... -o sqlite:FILE writes one)`);
    if (rows.length > 1) throw new FatalError(`${file}: ${rows.length} shard records: give each shard's output as a file of its own`);
    let parsed: unknown;
    try { parsed = JSON.parse(rows[0].record); } catch { parsed = null; }
    const rec = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? asShardRecord(parsed as AnyRecord) : 'not one JSON record';
    if (typeof rec === 'string') throw new FatalError(`${file}: shard record: ${rec}`);
    return { file, rec };
  } finally { db.close(); }
}

function columns(db: Database, schema: string, table: string): string[] {
  return db.prepare(`PRAGMA ${schema}.table_info("${table}")`).all().map((c: { name: string }) => c.name);
}

/** Writes the parts (in order) into OUT, a new file, as one scan. Returns the result rows copied. */
export function mergeSqlite(parts: Part[], merged: ShardRecord, out: string): number {
  if (fs.existsSync(out)) throw new FatalError(`${out} exists: merge writes a new database (remove it or choose another name)`);
  const db = open(out, false);
  let written = 0;
  try {
    db.pragma('journal_mode = WAL');
    for (const s of SCHEMA) db.exec(s);
    const results = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('scans', 'certs', 'other')").all() as { name: string }[]).map((r) => r.name);
    // One scans row for the whole: the first part's (the parts differ only in --shard), from the
    // first start to the last end, with every part's records; the merged shard record is its first.
    const id = Number(db.prepare('INSERT INTO scans (records) VALUES (0)').run().lastInsertRowid);
    db.prepare('INSERT INTO other (scan_id, type, record) VALUES (?, ?, ?)').run(id, 'shard', shardLine(merged).trimEnd());
    const update = db.prepare(`UPDATE scans SET args = coalesce(args, ?), ports = coalesce(ports, ?), nports = coalesce(nports, ?), seed = coalesce(seed, ?),
      start_us = min(coalesce(start_us, ?), coalesce(?, start_us)), end_us = max(coalesce(end_us, ?), coalesce(?, end_us)),
      records = records + coalesce(?, 0), formatted_by = coalesce(formatted_by, ?) WHERE id = ?`);
    for (const part of parts) {
      db.prepare('ATTACH DATABASE ? AS part').run(part.file);   // (refused inside a transaction)
      db.exec('BEGIN');
      const rows = db.prepare('SELECT * FROM part.scans').all();
      if (rows.length !== 1) throw new FatalError(`${part.file}: ${rows.length} scans: a shard output holds one scan`);
      const r = rows[0];
      update.run(r.args, r.ports, r.nports, r.seed, r.start_us, r.start_us, r.end_us, r.end_us, r.records, r.formatted_by, id);
      const copy = (t: string, set: Record<string, string>, where = '', conflict = '') => {
        const cols = columns(db, 'main', t);
        const have = new Set(columns(db, 'part', t));
        const missing = cols.filter((c) => !have.has(c));
        if (missing.length) throw new FatalError(`${part.file}: table ${t} has no column ${missing[0]}: written by another trawl version`);
        return db.prepare(`INSERT INTO main."${t}" (${cols.map((c) => `"${c}"`).join(', ')}) SELECT ${cols.map((c) => set[c] ?? `"${c}"`).join(', ')}
          FROM part."${t}" WHERE true ${where} ORDER BY rowid ${conflict}`).run().changes;
      };
      for (const t of results) written += copy(t, { scan_id: String(id) });
      // Records of types without a table of their own, but for the shards' own shard records.
      written += copy('other', { scan_id: String(id) }, "AND type IS NOT 'shard'");
      // A certificate is kept once, first seen as in one run: the earliest sighting of the parts.
      copy('certs', { first_scan_id: String(id) }, '', `ON CONFLICT(sha256) DO UPDATE SET
        first_seen_us = min(coalesce(first_seen_us, excluded.first_seen_us), coalesce(excluded.first_seen_us, first_seen_us))`);
      db.exec('COMMIT');
      db.exec('DETACH DATABASE part');
    }
    for (const s of INDEXES) db.exec(s);
  } catch (e) {
    try { db.close(); } catch { /* failing already */ }
    fs.rmSync(out, { force: true });
    fs.rmSync(`${out}-wal`, { force: true });
    fs.rmSync(`${out}-shm`, { force: true });
    throw e instanceof FatalError ? e : new FatalError(`writing ${out}: ${(e as Error).message}`);
  }
  db.close();
  return written;
}
