// ndjson: the records themselves, keys in the stable schema order (or only --fields).
import { AnyRecord, setField } from '../records';
import type { FormatModule } from './types';
import { getField, normalize } from './fields';

export const ndjson: FormatModule = {
  name: 'ndjson',
  summary: 'the records, normalized: keys in a stable order, one per line',
  create(ctx) {
    const pick = (rec: AnyRecord): AnyRecord => {
      if (!ctx.fields) return normalize(rec);
      const out: Record<string, unknown> = {};
      for (const f of ctx.fields) { const v = getField(rec, f); if (v !== undefined) setField(out, f, v); }
      return out as AnyRecord;
    };
    return {
      header: () => '',
      record: (rec) => JSON.stringify(pick(rec)) + '\n',
      drain: () => [],
      trailer: () => '',
    };
  },
};
