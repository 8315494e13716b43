// The database side of fmt -o sqlite: opens the file, creates the schema, and applies the batches
// of rows the sink (sqlite.ts) maps from records, in transactions. It runs in a worker thread of
// its own (the entry at the bottom), so parsing records and SQLite's inserts use two cores.
//
// Messages from the sink: an array of Ops, applied in order. To the sink: { done: n } (n ops
// applied: the sink may send more), { error: message } (a write failed: every later op is
// dropped, still counted done), { finished: true } (committed, indexed and closed).
import { parentPort, workerData } from 'worker_threads';
import { CERT, INDEXES, SCHEMA, TABLES } from './sqlite-schema';

// The few calls of better-sqlite3 used here, typed (the package ships no types).
interface Statement { run(...params: unknown[]): { lastInsertRowid: number | bigint } }   // an array binds as the parameters
interface Database {
  exec(sql: string): void;
  prepare(sql: string): Statement;
  pragma(s: string): unknown;
  close(): void;
}

/**
 * One step of the load. Rows are flat arrays, `width` values per row; their first value (the
 * scan id) is left null by the sink and set here, where the scans row's id is known; blob
 * columns hold base64 strings, decoded here (off the parsing thread).
 */
export type Op =
  | { op: 'scan'; args: string | null; ports: string | null; nports: number | null; seed: string | null; start_us: number | null }
  | { op: 'end'; last_us: number | null; records: number }   // closes the current scans row
  | { op: 'rows'; table: string; flat: unknown[]; n: number }
  | { op: 'certs'; flat: unknown[]; n: number }              // sha256, CERT..., first_scan_id (null), first_seen_us
  | { op: 'other'; flat: unknown[]; n: number }              // scan_id (null), type, record
  | { op: 'finish' };

const BATCH_ROWS = 50000;     // rows per transaction
export const COMMIT_MS = 1000;   // a live pipeline's rows become visible within this
// Rows per INSERT statement: one statement of 32 rows binds the same values as 32 statements
// but steps and resets once; 1 M records went from 2.42 s to 1.65 s of inserting (20-50 rows
// per statement all measured alike; 32 x 24 columns stays far below SQLite's 32,766 variables).
const ROWS_PER_INSERT = 32;

const q = (c: string) => `"${c}"`;

/** The file could not be opened (as against a failed write, a full disk). */
export class CannotOpen extends Error {}

/** A table's two insert statements and where its blob columns sit in a row. */
interface Insert { one: Statement; many: Statement; width: number; blobs: number[]; scanAt: number }

export class SqliteWriter {
  private db!: Database;
  private insert = new Map<string, Insert>();
  private insScan: Statement;
  private endScan: Statement;
  private scanId: number | null = null;
  private pending = 0;
  private inTx = false;
  private timer: NodeJS.Timeout | null = null;
  failed: Error | null = null;

  /** Opens FILE and creates what is missing of the schema; throws what better-sqlite3 throws. */
  constructor(file: string, private formattedBy: string) {
    const Driver: new (f: string) => Database = require('better-sqlite3');
    try { this.db = new Driver(file); } catch (e) { throw new CannotOpen((e as Error).message); }
    try { this.setup(); } catch (e) { try { this.db.close(); } catch { /* already failing */ } throw e; }
    this.insScan = this.db.prepare('INSERT INTO scans (args, ports, nports, seed, start_us, formatted_by) VALUES (?, ?, ?, ?, ?, ?)');
    this.endScan = this.db.prepare('UPDATE scans SET end_us = max(coalesce(start_us, 0), ?), records = ? WHERE id = ?');
  }

  private setup() {
    // A rollback journal with NORMAL sync: a crash loses at most the transaction under way,
    // never the file. Rows appended to a table write pages past the file's old end, which the
    // journal does not copy, so each page is written once; WAL wrote every page twice (into
    // the log, then into the file at each checkpoint): 25% more time per row, 50% more indexing.
    this.db.pragma('journal_mode = DELETE');
    this.db.pragma('synchronous = NORMAL');
    // Unlike WAL, a reader of the file (sqlite3 on a live scan) holds a commit back while it
    // reads: the writer waits for it up to this long before the write fails.
    this.db.pragma('busy_timeout = 30000');
    // The default page cache (2 MB) is kept: 16 or 64 MB built the indexes of 1 M records no
    // faster (their sort spills to temporary files either way) for 20 or 90 MB more RSS.
    // better-sqlite3 turns foreign keys on; every row's scan_id is the row this writer inserted
    // before it, so the check (a lookup in scans per row) can never fail and is not paid.
    this.db.pragma('foreign_keys = OFF');
    for (const s of SCHEMA) this.db.exec(s);
    const prep = (table: string, cols: string[], blobs: string[], scanAt: number) => {
      const row = `(?${', ?'.repeat(cols.length - 1)})`;
      const into = `INSERT ${table === 'certs' ? 'OR IGNORE ' : ''}INTO ${table} (${cols.join(', ')}) VALUES `;
      this.insert.set(table, {
        one: this.db.prepare(into + row), many: this.db.prepare(into + Array(ROWS_PER_INSERT).fill(row).join(', ')),
        width: cols.length, blobs: blobs.map((b) => cols.indexOf(q(b))), scanAt,
      });
    };
    for (const [t, cols] of Object.entries(TABLES)) prep(t, ['scan_id', ...cols.map(([c]) => q(c)), 'extra'], ['data'], 0);
    prep('certs', ['sha256', ...CERT.map(([c]) => q(c)), 'first_scan_id', 'first_seen_us'], ['der'], CERT.length + 1);
    prep('other', ['scan_id', 'type', 'record'], [], 0);
  }

  /** Applies ops in order; a failure is kept in `failed` and ends the load (never thrown). */
  apply(ops: Op[]): void {
    for (const o of ops) {
      if (this.failed) return;
      try { this.step(o); } catch (e) { this.fail(e as Error); }
    }
    if (this.pending >= BATCH_ROWS) this.guard(() => this.commit());
  }

  private step(o: Op) {
    if (o.op === 'finish') { this.finish(); return; }
    this.begin();
    switch (o.op) {
      case 'scan': {
        const r = this.insScan.run(o.args, o.ports, o.nports, o.seed, o.start_us, this.formattedBy);
        this.scanId = Number(r.lastInsertRowid);
        break;
      }
      case 'end':
        if (this.scanId !== null) this.endScan.run(o.last_us, o.records, this.scanId);
        break;
      case 'rows': this.rows(this.insert.get(o.table)!, o.flat, o.n); break;
      case 'certs': this.rows(this.insert.get('certs')!, o.flat, o.n); break;
      case 'other': this.rows(this.insert.get('other')!, o.flat, o.n); break;
    }
  }

  private rows(ins: Insert, flat: unknown[], n: number) {
    const { width, blobs, scanAt } = ins;
    for (let i = 0, at = 0; i < n; i++, at += width) {
      flat[at + scanAt] = this.scanId;
      for (const b of blobs) if (typeof flat[at + b] === 'string') flat[at + b] = Buffer.from(flat[at + b] as string, 'base64');
    }
    const chunk = ROWS_PER_INSERT * width;
    let i = 0;
    for (; i + ROWS_PER_INSERT <= n; i += ROWS_PER_INSERT) ins.many.run(flat.slice(i * width, i * width + chunk));
    for (; i < n; i++) ins.one.run(flat.slice(i * width, i * width + width));
    this.pending += n;
  }

  private begin() {
    if (this.inTx) return;
    this.db.exec('BEGIN');
    this.inTx = true;
    this.timer = setTimeout(() => { this.timer = null; this.guard(() => this.commit()); }, COMMIT_MS);
    this.timer.unref();
  }

  private commit() {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (!this.inTx) return;
    this.db.exec('COMMIT');
    this.inTx = false;
    this.pending = 0;
  }

  private guard(f: () => void) {
    if (this.failed) return;
    try { f(); } catch (e) { this.fail(e as Error); }
  }

  private fail(e: Error) {
    this.failed ??= e;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    try { this.db.close(); } catch { /* already failing */ }
  }

  /** Commits, builds the indexes (after the rows: one sort each instead of a b-tree insert per row), closes. */
  private finish() {
    this.commit();
    for (const s of INDEXES) this.db.exec(s);
    this.db.close();
  }

  /** Closes a writer opened only to check the file and create the schema. */
  close() { this.db.close(); }
}

// The worker thread's entry (sqlite.ts starts it with workerData { sqliteFile, formattedBy }).
if (parentPort && workerData?.sqliteFile) {
  const port = parentPort;
  let w: SqliteWriter | null = null;
  try { w = new SqliteWriter(workerData.sqliteFile, workerData.formattedBy); } catch (e) { port.postMessage({ error: (e as Error).message }); }
  let told = false;
  port.on('message', (ops: Op[]) => {
    w?.apply(ops);
    if (w?.failed && !told) { told = true; port.postMessage({ error: w.failed.message }); }
    port.postMessage({ done: ops.length });
    if (ops.length && ops[ops.length - 1].op === 'finish') { port.postMessage({ finished: true }); port.close(); }
  });
}
