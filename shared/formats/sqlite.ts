// sqlite: the scan in an SQLite database (better-sqlite3, embedded): a table per record type
// with the service fields as columns and banner bytes as blobs, certificates once per
// fingerprint, and a scans table, so several scans live in one file and SQL compares them
// (queries in trawl-fmt(1)). Rows go in batched transactions; indexes are built at the end.
import type { AnyRecord } from '../records';
import type { FormatContext, FormatModule, Sink } from './types';
import { runInfo } from '../scan/record';
import { FatalError } from '../exit';

// The few calls of better-sqlite3 used here, typed (the package ships no types).
interface Statement { run(...params: unknown[]): { lastInsertRowid: number | bigint } }   // an array binds as the parameters
interface Database {
  exec(sql: string): void;
  prepare(sql: string): Statement;
  pragma(s: string): unknown;
  close(): void;
}

/** Columns per table: [column, record key]; every other key of a record goes to `extra` (JSON). */
const COMMON: [string, string][] = [['ip', 'ip'], ['port', 'port'], ['proto', 'proto'], ['sport', 'sport'], ['ttl', 'ttl'], ['time_us', 'time_us']];
export const TABLES: Record<string, [string, string][]> = {
  open: [...COMMON, ['window', 'window'], ['ipid', 'ipid'], ['mss', 'mss'], ['wscale', 'wscale'], ['sack_ok', 'sack_ok'], ['tsval', 'tsval'], ['options', 'options'], ['zero_window', 'zero_window'], ['validated', 'validated']],
  closed: [...COMMON, ['window', 'window'], ['ipid', 'ipid'], ['validated', 'validated']],
  unreachable: [...COMMON, ['from_ip', 'from'], ['icmp_type', 'icmp_type'], ['icmp_code', 'icmp_code'], ['validated', 'validated']],
  banner: [...COMMON, ['probe', 'probe'], ['flags', 'flags'], ['len', 'len'], ['truncated', 'truncated'], ['data', 'data'],
    ['service', 'service'], ['product', 'product'], ['version', 'version'], ['info', 'info'], ['os', 'os'], ['device', 'device'],
    ['hostname', 'hostname'], ['cpe', 'cpe'], ['cert_sha256', 'cert_sha256'], ['validated', 'validated']],
};

// Certificate fields kept in certs, by fingerprint, instead of on every banner.
export const CERT: [string, string][] = [['subject', 'cert_subject'], ['subject_cn', 'cert_subject_cn'], ['issuer', 'cert_issuer'],
  ['issuer_cn', 'cert_issuer_cn'], ['serial', 'cert_serial'], ['not_before_us', 'cert_not_before_us'], ['not_after_us', 'cert_not_after_us'],
  ['key_type', 'cert_key_type'], ['key_bits', 'cert_key_bits'], ['sans', 'cert_sans'], ['self_signed', 'cert_self_signed'], ['der', 'cert_der']];

const INT = new Set(['port', 'sport', 'ttl', 'time_us', 'window', 'ipid', 'mss', 'wscale', 'tsval', 'icmp_type', 'icmp_code', 'len', 'not_before_us', 'not_after_us', 'key_bits']);
const BOOL = new Set(['sack_ok', 'zero_window', 'validated', 'truncated', 'self_signed']);
const BLOB = new Set(['data', 'der']);

const q = (c: string) => `"${c}"`;
const type = (c: string) => (INT.has(c) || BOOL.has(c) ? 'INTEGER' : BLOB.has(c) ? 'BLOB' : 'TEXT');

export const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS scans (id INTEGER PRIMARY KEY, args TEXT, ports TEXT, nports INTEGER, seed TEXT,
    start_us INTEGER, end_us INTEGER, records INTEGER, formatted_by TEXT)`,
  ...Object.entries(TABLES).map(([t, cols]) =>
    `CREATE TABLE IF NOT EXISTS ${t} (scan_id INTEGER NOT NULL REFERENCES scans(id), ${cols.map(([c]) => `${q(c)} ${type(c)}`).join(', ')}, extra TEXT)`),
  `CREATE TABLE IF NOT EXISTS certs (sha256 TEXT PRIMARY KEY, ${CERT.map(([c]) => `${q(c)} ${type(c)}`).join(', ')}, first_scan_id INTEGER, first_seen_us INTEGER)`,
  'CREATE TABLE IF NOT EXISTS other (scan_id INTEGER NOT NULL REFERENCES scans(id), type TEXT, record TEXT)',
];

// (ip, port) finds a host and its ports; (port, scan_id) a service across scans or in one.
export const INDEXES = Object.keys(TABLES).flatMap((t) => [
  `CREATE INDEX IF NOT EXISTS ${t}_ip ON ${t}(ip, port)`, `CREATE INDEX IF NOT EXISTS ${t}_port ON ${t}(port, scan_id)`,
]).concat(['CREATE INDEX IF NOT EXISTS certs_not_after ON certs(not_after_us)']);

const BATCH_ROWS = 20000;     // rows per transaction
const COMMIT_MS = 1000;       // a live pipeline's rows become visible within this
// Rows per INSERT statement: one statement of 32 rows binds the same values as 32 statements
// but steps and resets once; 1 M records went from 2.42 s to 1.65 s of inserting (20-50 rows
// per statement all measured alike; 32 x 24 columns stays far below SQLite's 32,766 variables).
const ROWS_PER_INSERT = 32;

function value(col: string, v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (BLOB.has(col)) return typeof v === 'string' ? Buffer.from(v, 'base64') : null;
  if (BOOL.has(col)) return v === true ? 1 : v === false ? 0 : null;
  if (typeof v === 'number') return Number.isSafeInteger(v) || !INT.has(col) ? v : null;
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return JSON.stringify(v);
}

/** One table's inserts: rows wait in `held` (flattened) until ROWS_PER_INSERT of them go as one. */
interface TableInsert {
  one: Statement;               // a single row, for the rest at a commit
  many: Statement;              // ROWS_PER_INSERT rows
  cols: [string, string][];
  keys: Set<string>;            // record keys with a column of their own
  held: unknown[];
  rows: number;
}

class SqliteSink implements Sink {
  private db: Database;
  private insert = new Map<string, TableInsert>();
  private insCert!: Statement;   // set by setup()
  private insOther!: Statement;
  private insScan!: Statement;
  private endScan!: Statement;
  private scanId: number | null = null;
  private scanRecords = 0;
  private lastUs = 0;
  private pending = 0;
  private inTx = false;
  private timer: NodeJS.Timeout | null = null;
  private failed: Error | null = null;
  private heldShard: AnyRecord | null = null;   // a shard record before its scan record

  constructor(private ctx: FormatContext, file: string) {
    let Driver: new (f: string) => Database;
    try { Driver = require('better-sqlite3'); } catch (e) { throw new FatalError(`-o sqlite needs better-sqlite3 (npm ci): ${(e as Error).message}`); }
    try { this.db = new Driver(file); } catch (e) { throw new FatalError(`cannot write ${file}: ${(e as Error).message}`); }
    // A full disk fails here already (the schema is the first write): the same message as a
    // failed write later, never an internal error with a stack.
    try { this.setup(); } catch (e) { throw new FatalError(`writing ${file}: ${(e as Error).message}`); }
  }

  private setup() {
    // WAL with NORMAL sync: a crash loses at most the last transactions, never the file, and a
    // commit costs no fsync (an in-place journal cost twice the time per row).
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    // better-sqlite3 turns foreign keys on; every row's scan_id is the row this sink inserted
    // before it, so the check (a lookup in scans per row) can never fail and is not paid.
    this.db.pragma('foreign_keys = OFF');
    for (const s of SCHEMA) this.db.exec(s);
    for (const [t, cols] of Object.entries(TABLES)) {
      const row = `(?${', ?'.repeat(cols.length + 1)})`;
      const into = `INSERT INTO ${t} (scan_id, ${cols.map(([c]) => q(c)).join(', ')}, extra) VALUES `;
      this.insert.set(t, {
        one: this.db.prepare(into + row), many: this.db.prepare(into + Array(ROWS_PER_INSERT).fill(row).join(', ')),
        cols, keys: new Set(['type', ...cols.map(([, k]) => k)]), held: [], rows: 0,
      });
    }
    this.insCert = this.db.prepare(`INSERT OR IGNORE INTO certs (sha256, ${CERT.map(([c]) => q(c)).join(', ')}, first_scan_id, first_seen_us) VALUES (?${', ?'.repeat(CERT.length + 2)})`);
    this.insOther = this.db.prepare('INSERT INTO other (scan_id, type, record) VALUES (?, ?, ?)');
    this.insScan = this.db.prepare('INSERT INTO scans (args, ports, nports, seed, start_us, formatted_by) VALUES (?, ?, ?, ?, ?, ?)');
    this.endScan = this.db.prepare('UPDATE scans SET end_us = max(coalesce(start_us, 0), ?), records = ? WHERE id = ?');
  }

  private begin() {
    if (this.inTx) return;
    this.db.exec('BEGIN');
    this.inTx = true;
    // A commit that fails in the timer (full disk) is kept and thrown by the next write or finish,
    // where the output reports it: never an uncaught exception.
    this.timer = setTimeout(() => { this.timer = null; try { this.commit(); } catch (e) { this.failed ??= e as Error; } }, COMMIT_MS);
    this.timer.unref();
  }

  private commit() {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (!this.inTx) return;
    for (const t of this.insert.values()) this.flushRows(t);
    this.db.exec('COMMIT');
    this.inTx = false;
    this.pending = 0;
  }

  /** The rows a table still holds, one statement each. */
  private flushRows(t: TableInsert) {
    const width = t.cols.length + 2;
    for (let i = 0; i < t.rows; i++) t.one.run(t.held.slice(i * width, i * width + width));
    t.held.length = 0;
    t.rows = 0;
  }

  private closeScan() {
    if (this.scanId !== null) this.endScan.run(this.lastUs || null, this.scanRecords, this.scanId);
  }

  private startScan(rec: AnyRecord | null) {
    this.closeScan();
    const run = rec ? runInfo(rec) : null;
    const start = run?.start_us ?? (rec && typeof rec.time_us === 'number' ? rec.time_us : null);
    const r = this.insScan.run(run?.args ?? null, run?.ports ?? null, run?.nports ?? null, run?.seed ?? null, start, this.ctx.args);
    this.scanId = Number(r.lastInsertRowid);
    this.scanRecords = 0;
    this.lastUs = 0;
    if (this.heldShard) { this.insOther.run(this.scanId, 'shard', JSON.stringify(this.heldShard)); this.heldShard = null; }
  }

  write(rec: AnyRecord): undefined {
    if (this.failed) throw this.failed;
    this.begin();
    if (rec.type === 'scan') { this.startScan(rec); return undefined; }
    // A shard output starts with its shard record, then the scan record: the shard record belongs
    // to that scan's row (one scan, one row), not to a row of its own.
    if (rec.type === 'shard' && this.scanId === null) { this.heldShard = rec; return undefined; }
    // Records with no scan record before them (old files, peers' output) get a scan row of their own.
    if (this.scanId === null) this.startScan(typeof rec.time_us === 'number' ? { type: 'none', time_us: rec.time_us } : null);
    this.scanRecords++;
    if (typeof rec.time_us === 'number' && rec.time_us > this.lastUs) this.lastUs = rec.time_us;
    const t = this.insert.get(rec.type);
    if (!t || typeof rec.ip !== 'string') {
      this.insOther.run(this.scanId, rec.type, JSON.stringify(rec));
    } else {
      const fp = typeof rec.cert_sha256 === 'string' ? rec.cert_sha256 : null;
      // A parser that only compares names says cert_self_issued; one that checks the signature, cert_self_signed.
      if (fp) this.insCert.run(fp, ...CERT.map(([c, k]) => value(c, rec[k] ?? (c === 'self_signed' ? rec.cert_self_issued : undefined))), this.scanId, typeof rec.time_us === 'number' ? rec.time_us : null);
      let extra: Record<string, unknown> | null = null;
      for (const k in rec) {
        if (t.keys.has(k) || (fp && k.charCodeAt(0) === 0x63 && k.startsWith('cert_'))) continue;
        (extra ??= {})[k] = rec[k];
      }
      const held = t.held;
      held.push(this.scanId);
      for (const [c, k] of t.cols) held.push(value(c, rec[k]));
      held.push(extra ? JSON.stringify(extra) : null);
      if (++t.rows === ROWS_PER_INSERT) {
        t.many.run(held);
        held.length = 0;
        t.rows = 0;
      }
    }
    if (++this.pending >= BATCH_ROWS) this.commit();
    return undefined;
  }

  async finish(): Promise<void> {
    if (this.failed) { try { this.db.close(); } catch { /* already failing */ } throw this.failed; }
    if (this.heldShard) { this.begin(); this.startScan(null); }   // a shard record and nothing else
    if (this.scanId !== null) { this.begin(); this.closeScan(); }
    this.commit();
    for (const s of INDEXES) this.db.exec(s);
    this.db.close();
  }
}

export const sqlite: FormatModule = {
  name: 'sqlite',
  summary: 'an SQLite database: tables per record type, certs, scans (needs :FILE; several scans per file)',
  sink: (ctx, file) => new SqliteSink(ctx, file),
};
