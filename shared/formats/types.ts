// The shape every output format shares (ZMap's output modules): a registry entry that builds a
// Formatter, which turns records into text synchronously so one writer can count and rotate it.
import type { AnyRecord } from '../records';

export type EndReason = 'end' | 'interrupted';

export interface FormatContext {
  fields: string[] | null;     // --fields, for formats that select columns (csv, ndjson)
  formulaEscape: boolean;      // --csv-formula-escape
  groupWindow: number;         // --group-window: hosts held open for grouping (xml, json, grepable)
  args: string;                // the command line, quoted into headers that record it
}

export interface Formatter {
  /** Text before the first record; given the first record so headers can carry its time. */
  header(first: AnyRecord | undefined): string;
  /** Text for one record; '' when the record is held for grouping or not shown by this format. */
  record(rec: AnyRecord): string;
  /** Everything still held (grouped hosts); called before the trailer. */
  drain(): string;
  /** Text that closes the document, so the file is valid on its own. */
  trailer(reason: EndReason): string;
}

export interface FormatModule {
  name: string;
  summary: string;
  create(ctx: FormatContext): Formatter;
}
