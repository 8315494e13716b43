// The shape every output format shares (ZMap's output modules): a registry entry that builds a
// Formatter, which turns records into text synchronously so one writer can count and rotate it,
// or (for a database) a Sink that writes records itself.
import type { AnyRecord } from '../records';
import type { RunInfo } from '../scan/record';

export type EndReason = 'end' | 'interrupted';

export interface FormatContext {
  fields: string[] | null;     // --fields, for formats that select columns (csv, ndjson)
  formulaEscape: boolean;      // --csv-formula-escape
  groupWindow: number;         // --group-window: hosts held open for grouping (xml, json, grepable)
  args: string;                // fmt's own command line, for headers when the input has no scan record
  // The scan that produced the records (its `scan` record), set by fmt before the first output
  // text; null for records that carry none (old files, peers' output).
  run: RunInfo | null;
  reportRows: number;          // --report-rows: rows of the report's result table
}

export interface Formatter {
  /** Text before the first record; given the first record so headers can carry its time. */
  header(first: AnyRecord | undefined): string;
  /** Text for one record; '' when the record is held for grouping or not shown by this format. */
  record(rec: AnyRecord): string;
  /**
   * Everything still held (grouped hosts), one host at a time, so a rotating output can spread
   * them over several files; called before the last trailer.
   */
  drain(): Iterable<string>;
  /**
   * Text that closes the document, so the file is valid on its own. It also ends the
   * document's tallies: the next header starts a new document (a rotated file) while held
   * hosts stay held.
   */
  trailer(reason: EndReason): string;
}

/** An output that writes records itself (a database): one per -o FORMAT:FILE, never stdout. */
export interface Sink {
  write(rec: AnyRecord): Promise<void> | undefined;
  finish(reason: EndReason): Promise<void>;
}

export interface FormatModule {
  name: string;
  summary: string;
  /** Text formats (all but sqlite). */
  create?: (ctx: FormatContext) => Formatter;
  /** Formats that are not text streams (sqlite): opened on a FILE, which they need. */
  sink?: (ctx: FormatContext, file: string) => Sink;
  /** The format writes everything at the end (a summary): --rotate-size cannot split it. */
  atEnd?: boolean;
}
