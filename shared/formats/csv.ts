// csv: a header row, then one row per record with the --fields columns (ZMap's -f), RFC 4180
// quoting, LF line ends as ZMap writes them.
import type { AnyRecord } from '../records';
import type { FormatModule } from './types';
import { csvCell } from './escape';
import { getField } from './fields';

export const DEFAULT_CSV_FIELDS = ['type', 'ip', 'port', 'proto', 'sport', 'ttl', 'time_us', 'service', 'product', 'version', 'banner'];

/** A cell's value: proto is tcp on a port record that names none (the schema's rule), so a
 *  scan of both protocols reads unambiguously. */
function cell(rec: AnyRecord, f: string): unknown {
  const v = getField(rec, f);
  return f === 'proto' && v === undefined && typeof rec.port === 'number' ? 'tcp' : v;
}

export const csv: FormatModule = {
  name: 'csv',
  summary: 'header row and one row per record, columns from --fields',
  create(ctx) {
    const fields = ctx.fields ?? DEFAULT_CSV_FIELDS;
    return {
      header: () => fields.map((f) => csvCell(f, false)).join(',') + '\n',
      record: (rec) => fields.map((f) => csvCell(cell(rec, f), ctx.formulaEscape)).join(',') + '\n',
      drain: () => [],
      trailer: () => '',
    };
  },
};
