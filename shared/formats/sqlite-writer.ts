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
 * One step of the load. A table's rows come packed, so a message is a few objects to copy
 * between threads rather than a value each (the copy of 300 k records' values went from about
 * 0.13 s to 0.03 s on each thread): per row, in nums, a mask of the columns it fills (bit i:
 * the table's i-th column, after scan_id; extra's bit after them), a mask of those that hold
 * numbers, then a slot per filled column in order, the number itself or the length of the
 * string that comes next in text (all the rows' strings, joined).
 * Certificates and other records are rarer and come as flat arrays, `width` values per row; their first value (the
 * scan id) is left null by the sink and set here, where the scans row's id is known; blob
 * columns hold base64 strings, decoded here (off the parsing thread).
 */
export type Op =
  | { op: 'scan'; args: string | null; ports: string | null; nports: number | null; seed: string | null; start_us: number | null }
  | { op: 'end'; last_us: number | null; records: number }   // closes the current scans row
  | { op: 'packed'; table: string; nums: Float64Array; text: string; n: number }
  | { op: 'certs'; flat: unknown[]; n: number }              // sha256, CERT..., first_scan_id (null), first_seen_us
  | { op: 'other'; flat: unknown[]; n: number }              // scan_id (null), type, record
  | { op: 'finish' };

const BATCH_ROWS = 50000;     // rows per transaction
export const COMMIT_MS = 1000;   // a live pipeline's rows become visible within this
// Rows per INSERT statement: one statement of 32 rows binds the same values as 32 statements
// but steps and resets once; 1 M records went from 2.42 s to 1.65 s of inserting (20-50 rows
// per statement all measured alike; 32 x 24 columns stays far below SQLite's 32,766 variables).
// The rows left over at a message's end go in statements of 16, 8, 4, 2 and 1.
const ROWS_PER_INSERT = 32;
// Statements name only the columns a message's rows of a table fill (the others are NULL by
// omission): an open record fills 9 of its table's 17, a banner about 14 of 23, and binding a
// NULL costs about what binding a value does (300 k open rows: 0.8 -> 0.45 s of inserting).
// A table keeps the statements of this many column sets; rows of any other set bind every column.
const MAX_SHAPES = 32;

const q = (c: string) => `"${c}"`;

/** The file could not be opened (as against a failed write, a full disk). */
export class CannotOpen extends Error {}

/** A table: its columns, where its blob columns and scan id sit in a row, its statements by column set. */
interface Table { into: string; cols: string[]; width: number; blobs: number[]; scanAt: number; shapes: Map<number, Shape> }
/** The statements of one column set (bit i: column i) by rows per statement, and their parameters. */
interface Shape { at: number[]; blob: boolean[]; stmts: Map<number, Statement>; params: Map<number, unknown[]> }

/** The number of bits set in a mask (of up to 31 bits). */
function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export class SqliteWriter {
  private db!: Database;
  private tables = new Map<string, Table>();
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
    // The default page cache is kept (16 MB: better-sqlite3 builds SQLite with
    // DEFAULT_CACHE_SIZE=-16000, not its usual 2 MB): 16 or 64 MB built the indexes of 1 M records no
    // faster (their sort spills to temporary files either way) for 20 or 90 MB more RSS.
    // better-sqlite3 turns foreign keys on; every row's scan_id is the row this writer inserted
    // before it, so the check (a lookup in scans per row) can never fail and is not paid.
    this.db.pragma('foreign_keys = OFF');
    for (const s of SCHEMA) this.db.exec(s);
    const prep = (table: string, cols: string[], blobs: string[], scanAt: number) => {
      // A row's masks are 32-bit integers in the packing (bit i: column i): a wider table would
      // lose columns silently, so it must fail here, where the schema is read.
      if (cols.length > 31) throw new Error(`sqlite: table ${table} has ${cols.length} columns, more than a row's masks hold (31)`);
      const into = `INSERT ${table === 'certs' ? 'OR IGNORE ' : ''}INTO ${table} `;
      this.tables.set(table, { into, cols, width: cols.length, blobs: blobs.map((b) => cols.indexOf(q(b))), scanAt, shapes: new Map() });
      this.shape(this.tables.get(table)!, 2 ** cols.length - 1);   // every column: prepared now, so a schema error is said at once
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
      case 'packed': this.packed(this.tables.get(o.table)!, o.nums, o.text, o.n); break;
      case 'certs': this.rows(this.tables.get('certs')!, o.flat, o.n); break;
      case 'other': this.rows(this.tables.get('other')!, o.flat, o.n); break;
    }
  }

  /** The statements for the columns of MASK (prepared the first time, up to MAX_SHAPES per table). */
  private shape(t: Table, mask: number): Shape {
    let sh = t.shapes.get(mask);
    if (sh) return sh;
    const all = 2 ** t.width - 1;
    if (t.shapes.size >= MAX_SHAPES) return this.shape(t, all);
    const at = [...t.cols.keys()].filter((i) => mask & (1 << i));
    sh = { at, blob: at.map((i) => t.blobs.includes(i)), stmts: new Map(), params: new Map() };
    const row = `(?${', ?'.repeat(at.length - 1)})`;
    const into = `${t.into}(${at.map((i) => t.cols[i]).join(', ')}) VALUES `;
    for (let k = ROWS_PER_INSERT; k >= 1; k >>= 1) {
      sh.stmts.set(k, this.db.prepare(into + Array(k).fill(row).join(', ')));
      sh.params.set(k, new Array(k * at.length));
    }
    t.shapes.set(mask, sh);
    return sh;
  }

  private rows(t: Table, flat: unknown[], n: number) {
    const { width, blobs, scanAt } = t;
    // The scan id, blobs decoded, and which columns any row fills.
    let mask = 0;
    for (let i = 0, at = 0; i < n; i++, at += width) {
      flat[at + scanAt] = this.scanId;
      for (const b of blobs) if (typeof flat[at + b] === 'string') flat[at + b] = Buffer.from(flat[at + b] as string, 'base64');
      for (let c = 0; c < width; c++) if (flat[at + c] !== null && !(mask & (1 << c))) mask |= 1 << c;
    }
    const sh = this.shape(t, mask || 2 ** width - 1);
    const cols = sh.at, w = cols.length;
    for (let i = 0; i < n;) {
      let k = ROWS_PER_INSERT;
      while (i + k > n) k >>= 1;
      const p = sh.params.get(k)!;
      for (let r = 0, j = 0; r < k; r++) {
        const at = (i + r) * width;
        for (let c = 0; c < w; c++) p[j++] = flat[at + cols[c]];
      }
      sh.stmts.get(k)!.run(p);
      i += k;
    }
    this.pending += n;
  }

  private packed(t: Table, nums: Float64Array, text: string, n: number) {
    // Which columns any row fills (scan_id, column 0, always).
    let mask = 0;
    for (let i = 0, at = 0; i < n; i++) { const m = nums[at]; mask |= m; at += 2 + popcount(m); }
    const sh = this.shape(t, mask * 2 + 1);
    const cols = sh.at, w = cols.length, blob = sh.blob, scanId = this.scanId;
    for (let i = 0, at = 0, pos = 0; i < n;) {
      let k = ROWS_PER_INSERT;
      while (i + k > n) k >>= 1;
      const p = sh.params.get(k)!;
      for (let r = 0, j = 0; r < k; r++) {
        const m = nums[at], nm = nums[at + 1];
        at += 2;
        p[j++] = scanId;
        for (let c = 1; c < w; c++) {
          const bit = 1 << (cols[c] - 1);
          if (!(m & bit)) { p[j++] = null; continue; }
          const x = nums[at++];
          if (nm & bit) { p[j++] = x; continue; }
          const s = text.slice(pos, pos += x);
          p[j++] = blob[c] ? Buffer.from(s, 'base64') : s;
        }
      }
      sh.stmts.get(k)!.run(p);
      i += k;
    }
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
