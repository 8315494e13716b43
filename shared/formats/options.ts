// trawl fmt's option table, beside the formats it configures: scan checks its -o values with
// the same checkFormatSpec before a whole scan goes to a failing fmt.
import { OptionSpec, parseNumber } from '../args';
import { FORMATS, findFormat } from './registry';

const NAMES = FORMATS.map((f) => f.name).join(', ');
export const DEFAULT_GROUP_WINDOW = 4096;

/** Checks one -o value: FORMAT or FORMAT:FILE. */
export function checkFormatSpec(v: string): string | undefined {
  const name = v.split(':')[0];
  if (!findFormat(name)) return `unknown format '${name}' (one of ${NAMES})`;
  if (v.includes(':') && v.slice(name.length + 1) === '') return `'${v}' names no file after ':'`;
  return undefined;
}

export const FMT_OPTIONS: OptionSpec[] = [
  { name: 'output', short: 'o', type: 'list', arg: 'FORMAT[:FILE]', help: `format (${NAMES}), to FILE or stdout (default: ndjson)`, check: checkFormatSpec },
  { name: 'where', short: 'w', type: 'string', arg: 'EXPR', help: 'keep records for which EXPR holds, e.g. \'port == 443 && service == "http"\'' },
  { name: 'open-only', type: 'boolean', help: 'keep open and banner records only' },
  { name: 'fields', short: 'f', type: 'string', arg: 'LIST', help: 'comma-separated fields for csv and ndjson' },
  { name: 'csv-formula-escape', type: 'boolean', help: "prefix csv cells starting with = + - @ with ' (spreadsheet safety)" },
  { name: 'group-window', type: 'number', arg: 'N', default: DEFAULT_GROUP_WINDOW, help: 'hosts held open to group ports (xml, json, grepable); 0: one host per record',
    check: (v: number) => (Number.isInteger(v) && v >= 0 ? undefined : 'must be a whole number >= 0') },
  { name: 'rotate-size', type: 'string', arg: 'SIZE', help: 'start a new FILE every SIZE bytes (10M, 1G), each complete on its own',
    check: (v: string) => (parseNumber(v) >= 1 ? undefined : `'${v}' is not a size`) },
];
