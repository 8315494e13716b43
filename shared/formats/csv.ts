// csv: a header row, then one row per record with the --fields columns (ZMap's -f), RFC 4180
// quoting, LF line ends as ZMap writes them.
import type { FormatModule } from './types';
import { csvCell } from './escape';
import { getField } from './fields';

export const DEFAULT_CSV_FIELDS = ['type', 'ip', 'port', 'sport', 'ttl', 'time_us', 'service', 'product', 'version', 'banner'];

export const csv: FormatModule = {
  name: 'csv',
  summary: 'header row and one row per record, columns from --fields',
  create(ctx) {
    const fields = ctx.fields ?? DEFAULT_CSV_FIELDS;
    return {
      header: () => fields.map((f) => csvCell(f, false)).join(',') + '\n',
      record: (rec) => fields.map((f) => csvCell(getField(rec, f), ctx.formulaEscape)).join(',') + '\n',
      drain: () => [],
      trailer: () => '',
    };
  },
};
