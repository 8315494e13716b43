// sqlite: the scan in an SQLite database (better-sqlite3, embedded), in the tables of
// sqlite-schema.ts, so several scans live in one file and SQL compares them (queries in
// trawl-fmt(1)). This thread maps records to rows; a worker thread (sqlite-writer.ts) inserts
// them in batched transactions, so parsing and SQLite run on two cores (on a machine with one,
// the writer runs in this thread); indexes are built at the end.
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { AnyRecord } from '../records';
import type { FormatContext, FormatModule, Sink } from './types';
import { runInfo } from '../scan/record';
import { FatalError } from '../exit';
import { BLOB, BOOL, CERT, INT, TABLES } from './sqlite-schema';
import { CannotOpen, Op, SqliteWriter } from './sqlite-writer';

// Rows go to the writer in messages of up to this many; reading stops while more than
// MAX_IN_FLIGHT messages wait in the writer (about 2 MB of rows), so memory stays bounded when
// the disk is slower than the input.
const ROWS_PER_MESSAGE = 2048;
const MAX_IN_FLIGHT = 4;
// Rows held here reach the writer within this, so a live pipeline's rows are visible within
// about the writer's COMMIT_MS and this.
const FLUSH_MS = 250;

// How a value becomes a column's value; blobs stay base64 strings, decoded by the writer.
const TEXT = 0, INTEGER = 1, BOOLEAN = 2, BYTES = 3;
const kindOf = (c: string) => (BLOB.has(c) ? BYTES : BOOL.has(c) ? BOOLEAN : INT.has(c) ? INTEGER : TEXT);

function value(kind: number, v: unknown): unknown {
  if (v === undefined || v === null) return null;
  switch (kind) {
    case BYTES: return typeof v === 'string' ? v : null;
    case BOOLEAN: return v === true ? 1 : v === false ? 0 : null;
    case INTEGER: if (typeof v === 'number') return Number.isSafeInteger(v) ? v : null; break;
    default: if (typeof v === 'number') return v;
  }
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return JSON.stringify(v);
}

/**
 * A table's row builder: appends a record's row to h in the packed form of sqlite-writer.ts
 * (a slot per value in h.nums, a number's value or a string's length, the strings in h.strs)
 * and returns whether the record holds keys of no column (then the sink adds extra). Compiled
 * once per table into straight code: columns read as named properties (one inline cache each,
 * where rec[keys[i]] was a generic keyed lookup per column), the common type of each kind
 * tested inline, keys counted instead of looked up one by one to spot extras. On 300 k records
 * this thread's mapping went from 0.30 to 0.14 s.
 */
type RowBuilder = (rec: AnyRecord, h: Held, value: (kind: number, v: unknown) => unknown) => boolean;
function compileRow(keys: string[], kinds: number[]): RowBuilder {
  const str = (bit: number, x: string) => `{ m |= ${bit}; nums[at++] = ${x}.length; strs.push(${x}); }`;
  const num = (bit: number, x: string) => `{ m |= ${bit}; nm |= ${bit}; nums[at++] = ${x}; }`;
  const any = (i: number, v: string) => `if (${v} !== undefined && ${v} !== null) { c = value(${kinds[i]}, ${v}); ` +
    `if (typeof c === 'number') ${num(2 ** i, 'c')} else if (c !== null) ${str(2 ** i, 'c')} }`;
  const cols = keys.map((k, i) => {
    const v = `v${i}`, bit = 2 ** i;
    switch (kinds[i]) {
      case TEXT: return `if (typeof ${v} === 'string') ${str(bit, v)} else ${any(i, v)}`;
      case INTEGER: return `if (typeof ${v} === 'number' && Number.isSafeInteger(${v})) ${num(bit, v)} else ${any(i, v)}`;
      case BYTES: return `if (typeof ${v} === 'string') ${str(bit, v)}`;
      default: return any(i, v);
    }
  });
  return new Function('rec', 'h', 'value', `"use strict";
    const nums = h.nums, strs = h.strs, base = h.at;
    let at = base + 2, m = 0, nm = 0, c;
    const ${keys.map((k, i) => `v${i} = rec[${JSON.stringify(k)}]`).join(', ')};
    ${cols.join('\n    ')}
    nums[base] = m; nums[base + 1] = nm; h.at = at;
    let n = 0;
    for (const k in rec) n++;
    return n !== 1 + ${keys.map((_, i) => `(v${i} !== undefined)`).join(' + ')};`) as RowBuilder;
}

/** One table's rows waiting to be sent, packed (sqlite-writer.ts): slots in nums up to at, strings. */
interface Held {
  own: Set<string>;             // record keys with a column of their own
  extraBit: number;             // extra's bit in a row's masks (after the columns')
  row: RowBuilder;
  nums: Float64Array;           // reused: each message takes a copy of its part
  at: number;
  strs: string[];
  n: number;
}

const CERT_KEYS = CERT.map(([, k]) => k);
const CERT_KINDS = CERT.map(([c]) => kindOf(c));

class SqliteSink implements Sink {
  private worker!: Worker;
  private inline: SqliteWriter | null = null;   // one thread: the writer in this one
  private held = new Map<string, Held>();
  private certs: unknown[] = [];
  private nCerts = 0;
  private other: unknown[] = [];
  private nOther = 0;
  private rows = 0;                 // rows held, all tables
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private resume: (() => void) | null = null;
  private finished: (() => void) | null = null;
  private closed = false;           // the writer said it committed and closed the file
  private failed: Error | null = null;
  private scanOpen = false;
  private scanRecords = 0;
  private lastUs = 0;
  private heldShard: AnyRecord | null = null;   // a shard record before its scan record

  constructor(private ctx: FormatContext, file: string) {
    try { require.resolve('better-sqlite3'); } catch (e) { throw new FatalError(`-o sqlite needs better-sqlite3 (npm ci): ${(e as Error).message}`); }
    // The file is opened and its schema created here, before any input is read, so a bad path
    // or a full disk (the schema is the first write) is said at once, as for every output.
    let w: SqliteWriter;
    try { w = new SqliteWriter(file, ctx.args); } catch (e) {
      throw new FatalError(`${e instanceof CannotOpen ? 'cannot write' : 'writing'} ${file}: ${(e as Error).message}`);
    }
    for (const [t, cols] of Object.entries(TABLES)) {
      // A row takes at most two masks and a slot per column and extra.
      this.held.set(t, {
        own: new Set(['type', ...cols.map(([, k]) => k)]), extraBit: 2 ** cols.length,
        row: compileRow(cols.map(([, k]) => k), cols.map(([c]) => kindOf(c))),
        nums: new Float64Array(ROWS_PER_MESSAGE * (cols.length + 3)), at: 0, strs: [], n: 0,
      });
    }
    // On one core the worker would only add the cost of sending rows (a tenth of the CPU time).
    if (os.availableParallelism() < 2) { this.inline = w; return; }
    w.close();
    this.worker = new Worker(path.join(__dirname, 'sqlite-writer.js'), { workerData: { sqliteFile: file, formattedBy: ctx.args } });
    // The worker holds the process only while a write waits for it or the sink finishes.
    this.worker.unref();
    this.worker.on('message', (m: { done?: number; error?: string; finished?: true }) => {
      if (m.error !== undefined) this.failed ??= new Error(m.error);
      if (m.done !== undefined) {
        this.inFlight--;
        if (this.resume && this.inFlight < MAX_IN_FLIGHT) { const r = this.resume; this.resume = null; this.worker.unref(); r(); }
      }
      if (m.finished) { this.closed = true; this.finished?.(); }
    });
    this.worker.on('error', (e) => { this.failed ??= e; this.resume?.(); this.finished?.(); });
    this.worker.on('exit', () => {
      if (!this.closed) this.failed ??= new Error('the SQLite writer ended early');
      this.resume?.(); this.finished?.();
    });
  }

  /** Sends the rows held (and ops after them) to the writer as one message. */
  private send(after: Op[] = []) {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    const ops: Op[] = [];
    for (const [table, h] of this.held) {
      if (h.n) { ops.push({ op: 'packed', table, nums: h.nums.slice(0, h.at), text: h.strs.join(''), n: h.n }); h.at = 0; h.strs = []; h.n = 0; }
    }
    if (this.nCerts) { ops.push({ op: 'certs', flat: this.certs, n: this.nCerts }); this.certs = []; this.nCerts = 0; }
    if (this.nOther) { ops.push({ op: 'other', flat: this.other, n: this.nOther }); this.other = []; this.nOther = 0; }
    ops.push(...after);
    this.rows = 0;
    if (!ops.length) return;
    if (this.inline) { this.inline.apply(ops); this.failed ??= this.inline.failed; return; }
    // The packed numbers are handed over, not copied (each message has its own copy of them).
    this.worker.postMessage(ops, ops.flatMap((o) => (o.op === 'packed' ? [o.nums.buffer as ArrayBuffer] : [])));
    this.inFlight++;
  }

  private closeScan(): Op[] {
    return this.scanOpen ? [{ op: 'end', last_us: this.lastUs || null, records: this.scanRecords }] : [];
  }

  private startScan(rec: AnyRecord | null) {
    const run = rec ? runInfo(rec) : null;
    const start = run?.start_us ?? (rec && typeof rec.time_us === 'number' ? rec.time_us : null);
    this.send([...this.closeScan(), { op: 'scan', args: run?.args ?? null, ports: run?.ports ?? null, nports: run?.nports ?? null, seed: run?.seed ?? null, start_us: start }]);
    this.scanOpen = true;
    this.scanRecords = 0;
    this.lastUs = 0;
    if (this.heldShard) { this.other.push(null, 'shard', JSON.stringify(this.heldShard)); this.nOther++; this.heldShard = null; }
  }

  write(rec: AnyRecord): Promise<void> | undefined {
    if (this.failed) throw this.failed;
    if (rec.type === 'scan') { this.startScan(rec); return this.backpressure(); }
    // A shard output starts with its shard record, then the scan record: the shard record belongs
    // to that scan's row (one scan, one row), not to a row of its own.
    if (rec.type === 'shard' && !this.scanOpen) { this.heldShard = rec; return undefined; }
    // Records with no scan record before them (old files, peers' output) get a scan row of their own.
    if (!this.scanOpen) this.startScan(typeof rec.time_us === 'number' ? { type: 'none', time_us: rec.time_us } : null);
    this.scanRecords++;
    if (typeof rec.time_us === 'number' && rec.time_us > this.lastUs) this.lastUs = rec.time_us;
    const h = this.held.get(rec.type);
    if (!h || typeof rec.ip !== 'string') {
      this.other.push(null, rec.type, JSON.stringify(rec));
      this.nOther++;
    } else {
      const fp = typeof rec.cert_sha256 === 'string' ? rec.cert_sha256 : null;
      if (fp) {
        const c = this.certs;
        c.push(fp);
        // A parser that only compares names says cert_self_issued; one that checks the signature, cert_self_signed.
        for (let i = 0; i < CERT_KEYS.length; i++) c.push(value(CERT_KINDS[i], rec[CERT_KEYS[i]] ?? (CERT_KEYS[i] === 'cert_self_signed' ? rec.cert_self_issued : undefined)));
        c.push(null, typeof rec.time_us === 'number' ? rec.time_us : null);
        this.nCerts++;
      }
      // The type is always a column's (the table's); any other key without one goes to extra.
      const base = h.at;
      if (h.row(rec, h, value) || fp) {
        let extra: Record<string, unknown> | null = null;
        for (const k in rec) {
          if (h.own.has(k) || (fp && k.charCodeAt(0) === 0x63 && k.startsWith('cert_'))) continue;
          (extra ??= {})[k] = rec[k];
        }
        if (extra) {
          const x = JSON.stringify(extra);
          h.nums[base] += h.extraBit;
          h.nums[h.at++] = x.length;
          h.strs.push(x);
        }
      }
      h.n++;
    }
    if (++this.rows >= ROWS_PER_MESSAGE) { this.send(); return this.backpressure(); }
    if (!this.timer) { this.timer = setTimeout(() => { this.timer = null; this.send(); }, FLUSH_MS); this.timer.unref(); }
    return undefined;
  }

  /** A promise while the writer is too far behind: reading waits for it. */
  private backpressure(): Promise<void> | undefined {
    if (this.inline || this.inFlight < MAX_IN_FLIGHT) return undefined;
    this.worker.ref();
    return new Promise<void>((resolve) => { this.resume = resolve; }).then(() => { if (this.failed) throw this.failed; });
  }

  async finish(): Promise<void> {
    if (this.failed) { void this.worker?.terminate(); throw this.failed; }
    if (this.heldShard) this.startScan(null);   // a shard record and nothing else
    if (this.inline) {
      this.send([...this.closeScan(), { op: 'finish' }]);
      if (this.failed) throw this.failed;
      return;
    }
    const done = new Promise<void>((resolve) => { this.finished = resolve; });
    this.worker.ref();
    this.send([...this.closeScan(), { op: 'finish' }]);
    this.scanOpen = false;
    await done;
    if (this.failed) { void this.worker.terminate(); throw this.failed; }
  }
}

export const sqlite: FormatModule = {
  name: 'sqlite',
  summary: 'an SQLite database: tables per record type, certs, scans (needs :FILE; several scans per file)',
  sink: (ctx, file) => new SqliteSink(ctx, file),
};
