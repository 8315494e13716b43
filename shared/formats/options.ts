// trawl fmt's option table, beside the formats it configures: scan checks its -o values with
// the same checkFormatSpec before a whole scan goes to a failing fmt.
import { OptionSpec, parseNumber } from '../args';
import { FORMATS, findFormat } from './registry';
import { DEFAULT_REPORT_ROWS } from './report';
import { INPUT_FORMATS, InputFormat } from '../peers/read';
import { lookup } from '../records';

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
  { name: 'output', short: 'o', aliases: ['output-format'], type: 'list', arg: 'FORMAT[:FILE]', help: `format (${NAMES}), to FILE or stdout (default: text on a terminal, else ndjson); nmap's -oN/-oX/-oG/-oJ/-oA FILE and masscan's -oL FILE work too`, check: checkFormatSpec },
  { name: 'where', short: 'w', type: 'string', arg: 'EXPR', help: 'keep records for which EXPR holds, e.g. \'port == 443 && service == "http"\'' },
  { name: 'open-only', aliases: ['open'], type: 'boolean', help: 'keep open and banner records only' },
  { name: 'fields', short: 'f', type: 'string', arg: 'LIST', help: 'comma-separated fields for csv and ndjson' },
  { name: 'csv-formula-escape', type: 'boolean', help: "prefix csv cells starting with = + - @ with ' (spreadsheet safety)" },
  { name: 'group-window', type: 'number', arg: 'N', default: DEFAULT_GROUP_WINDOW, help: 'hosts held open to group ports (xml, json, grepable); 0: one host per record',
    check: (v: number) => (Number.isInteger(v) && v >= 0 ? undefined : 'must be a whole number >= 0') },
  { name: 'rotate-size', type: 'string', arg: 'SIZE', help: 'close each FILE once it holds SIZE bytes (10M, 1G) and start the next, each complete on its own',
    check: (v: string) => (parseNumber(v) >= 1 ? undefined : `'${v}' is not a size`) },
  { name: 'rotate', type: 'string', arg: 'INTERVAL', help: 'also start a new FILE every INTERVAL (30s, 10m, 1h, 1d; on its multiples of UTC time), finished files moved to --rotate-dir',
    check: (v: string) => (parseInterval(v) > 0 ? undefined : `'${v}' is not an interval (30s, 10m, 1h, 1d)`) },
  { name: 'rotate-dir', type: 'string', arg: 'DIR', help: "where rotated files go, as YYMMDD-HHMMSS-NAME (masscan's --rotate-dir; default: FILE's directory)" },
  { name: 'from', type: 'string', arg: 'FORMAT', help: `read input as FORMAT (${INPUT_FORMATS.join(', ')}) instead of recognizing it`,
    check: (v: string) => (INPUT_FORMATS.includes(v as InputFormat) ? undefined : `unknown input format '${v}' (one of ${INPUT_FORMATS.join(', ')})`) },
  { name: 'report-rows', type: 'number', arg: 'N', default: DEFAULT_REPORT_ROWS, help: 'rows of the report\'s result table (the rest are counted, not listed)',
    check: (v: number) => (Number.isInteger(v) && v >= 0 ? undefined : 'must be a whole number >= 0') },
];

// nmap's and masscan's output flags, each the -o FORMAT:FILE it means ('-' is standard output,
// as in nmap); -oA BASE writes nmap's three files BASE.nmap, BASE.xml and BASE.gnmap.
export const PEER_OUTPUT_FLAGS: Record<string, (file: string) => string[]> = {
  '-oN': (f) => [spec('text', f)], '-oX': (f) => [spec('xml', f)], '-oG': (f) => [spec('grepable', f)],
  '-oJ': (f) => [spec('json', f)], '-oL': (f) => [spec('list', f)],
  '-oA': (f) => [spec('text', `${f}.nmap`), spec('xml', `${f}.xml`), spec('grepable', `${f}.gnmap`)],
};

function spec(format: string, file: string): string {
  return file === '-' ? format : `${format}:${file}`;
}

/** argv with every -oX FILE (or -oX=FILE) as -o xml:FILE, before the option table reads it. A
 *  flag without its FILE becomes -o xml:, which the -o check reports as naming no file. */
export function expandOutputFlags(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { out.push(...argv.slice(i)); break; }
    const eq = a.indexOf('=');
    const flag = lookup(PEER_OUTPUT_FLAGS, eq > 0 ? a.slice(0, eq) : a);
    const file = eq > 0 ? a.slice(eq + 1) : argv[i + 1];
    if (!flag) { out.push(a); continue; }
    if (file === undefined || file === '' || (eq < 0 && file.startsWith('-') && file !== '-')) { out.push('-o', `${flag('')[0].split(':')[0]}:`); continue; }
    for (const s of flag(file)) out.push('-o', s);
    if (eq < 0) i++;
  }
  return out;
}

/** 30s, 10m, 1h, 1d or plain seconds, as milliseconds (NaN when it is none of those). */
export function parseInterval(v: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(v.trim());
  if (!m) return NaN;
  return Math.round(Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'] * 1000);
}
