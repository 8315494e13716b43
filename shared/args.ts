// One option table per command gives parsing (minimist underneath), validation and --help.
import minimist from 'minimist';
import { UsageError } from './exit';

export type OptionType = 'string' | 'number' | 'boolean' | 'list';

export interface OptionSpec {
  name: string;            // long name, used as --name and as the key in the parsed result
  short?: string;          // one letter (-p) or an nmap-style word taken with one dash (-iL)
  type: OptionType;        // 'list' is a repeatable string, always returned as an array
  arg?: string;            // placeholder in --help, e.g. PORTS
  default?: string | number | boolean;
  help: string;
  // Returns an error message for a bad value; called after type conversion.
  check?: (value: any) => string | undefined;
  // Other names users type from the peers (masscan's --excludefile, nmap's -e): long names
  // without their dashes, or one-dash words with theirs ('-e'). Documented as aliases.
  aliases?: string[];
}

export interface CommandInfo {
  name: string;            // e.g. "targets"
  summary: string;         // one line for `trawl --help`
  synopsis: string;        // e.g. "[options] RANGE..."
  options: OptionSpec[];
  notes?: string;          // printed after the options by --help (e.g. the probe list, from its registry)
}

export type Parsed = { [name: string]: any; _: string[] };

/** An option check made of a parser that returns its value or an error message. */
export function checkBy(parse: (s: string) => unknown): (v: string) => string | undefined {
  return (v) => { const r = parse(v); return typeof r === 'string' ? r : undefined; };
}

// Options every command has; listed in every table so --help and the man page show them.
export const HELP_OPTION: OptionSpec = { name: 'help', short: 'h', type: 'boolean', help: 'print this help and exit' };
export const QUIET_OPTION: OptionSpec = { name: 'quiet', short: 'q', type: 'boolean', help: 'no progress or summary on stderr (--status-ndjson\'s records still)' };
export const STATUS_NDJSON_OPTION: OptionSpec = {
  name: 'status-ndjson', type: 'boolean', help: 'progress as one NDJSON status record per second on stderr',
};

/** An alias as it is typed: --excludefile, -e. */
export function aliasFlag(a: string): string {
  return a.startsWith('-') ? a : `--${a}`;
}

function flagName(o: OptionSpec): string {
  return o.short && o.short.length > 1 ? `-${o.short}` : `--${o.name}`;
}

// Parses argv against the table. Throws UsageError naming the flag for an unknown flag,
// a missing value or a value that fails its check.
export function parseArgs(info: CommandInfo, argv: string[]): Parsed {
  const byName = new Map<string, OptionSpec>();
  for (const o of info.options) byName.set(o.name, o);

  // nmap-style words with one dash (-iL) are rewritten to their long form before minimist,
  // which would otherwise read them as a cluster of one-letter flags.
  const words = new Map<string, string>();
  for (const o of info.options) if (o.short && o.short.length > 1) words.set(`-${o.short}`, `--${o.name}`);
  for (const o of info.options) for (const a of o.aliases ?? []) words.set(aliasFlag(a), `--${o.name}`);
  // minimist reads --no-X as "X is false"; a table option really named no-X keeps its own name.
  for (const o of info.options) if (o.type === 'boolean' && o.name.startsWith('no-')) words.set(`--${o.name}`, `--${o.name}=true`);
  const letters = new Map<string, OptionSpec>();
  for (const o of info.options) if (o.short && o.short.length === 1) letters.set(o.short, o);
  const args: string[] = [];
  let rest = false;
  for (const a of argv) {
    if (rest || a === '--') { rest = true; args.push(a); continue; }
    const eq = a.indexOf('=');
    const head = eq > 0 ? a.slice(0, eq) : a;
    const word = words.get(head);
    if (word) { args.push(!(eq > 0 && word.includes('=')) ? word + (eq > 0 ? a.slice(eq) : '') : a); continue; }
    const cluster = /^-[A-Za-z]/.test(a) ? splitCluster(a, letters) : null;
    if (cluster) args.push(...cluster); else args.push(a);
  }

  const unknown: string[] = [];
  const m = minimist(args, {
    string: info.options.filter((o) => o.type !== 'boolean').map((o) => o.name),
    boolean: info.options.filter((o) => o.type === 'boolean').map((o) => o.name),
    alias: Object.fromEntries(info.options.filter((o) => o.short && o.short.length === 1).map((o) => [o.short!, o.name])),
    '--': false,
    unknown: (a: string) => {
      if (a.startsWith('-') && a !== '-' && !/^-\d/.test(a)) { unknown.push(a); return false; }
      return true;
    },
  });
  if (unknown.length) {
    const flag = unknown[0].split('=')[0];
    const near = suggest(info.options, flag);
    throw new UsageError(`unknown option ${flag}${near.length ? `: did you mean ${near.join(' or ')}?` : ''} (see --help)`);
  }

  // A value-taking flag that is last, or followed by another flag, comes back as ''.
  const present = (o: OptionSpec) => args.some((a) =>
    a === `--${o.name}` || a.startsWith(`--${o.name}=`) || (o.short?.length === 1 && (a === `-${o.short}` || (/^-[A-Za-z]+$/.test(a) && a.endsWith(o.short)))));

  const out: Parsed = { _: (m._ as unknown[]).map(String) };
  for (const o of info.options) {
    let v = m[o.name];
    if (o.type === 'boolean') {
      if (Array.isArray(v)) v = v[v.length - 1];
      out[o.name] = v === undefined ? (o.default ?? false) : Boolean(v);
      continue;
    }
    const given = v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String);
    if (given.some((s) => s === '') && present(o)) throw new UsageError(`option ${flagName(o)} needs a value${o.arg ? ` (${o.arg})` : ''}`);
    if (o.type === 'list') {
      out[o.name] = given;
      if (o.check) for (const g of given) { const e = o.check(g); if (e) throw new UsageError(`option ${flagName(o)}: ${e}`); }
      continue;
    }
    if (given.length === 0) { out[o.name] = o.default; continue; }
    const raw = given[given.length - 1];
    let val: string | number = raw;
    if (o.type === 'number') {
      val = parseNumber(raw);
      if (Number.isNaN(val)) throw new UsageError(`option ${flagName(o)}: '${raw}' is not a number`);
    }
    if (o.check) { const e = o.check(val); if (e) throw new UsageError(`option ${flagName(o)}: ${e}`); }
    out[o.name] = val;
  }
  return out;
}

/**
 * One-letter options as getopt reads them, before minimist, which reads -p80- as flags 8, 0 and
 * -: booleans may be grouped (-qh), and the first letter that takes a value takes the rest of
 * the word (-p-, -p80-, -qp80, -p=80 as minimist did). Null when a letter is not in the table,
 * so minimist reports the word as unknown.
 */
function splitCluster(a: string, letters: Map<string, OptionSpec>): string[] | null {
  const out: string[] = [];
  for (let k = 1; k < a.length; k++) {
    const o = letters.get(a[k]);
    if (!o) return null;
    if (o.type === 'boolean') { out.push(`--${o.name}`); continue; }
    const value = a.slice(k + 1).replace(/^=/, '');
    out.push(value === '' ? `--${o.name}` : `--${o.name}=${value}`);
    return out;
  }
  return out;
}

/** Edit distance (insert, delete, replace, swap of neighbours) between two short strings. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The table's flags closest to an unknown one, as the user would type them (--banners, -iL), at
 * most three, nearest first: those the typed name is a prefix of (--banner, --exclude-f) when
 * there are any, else those within an edit distance of 1 (2 for typed names of 6 letters or
 * more; --seeds, --excldue).
 * One letter flags are too short to guess from: -z suggests nothing.
 */
export function suggest(options: OptionSpec[], flag: string): string[] {
  const typed = flag.replace(/^--?/, '');
  if (typed.length < 2) return [];
  const scored: [number, string][] = [];
  for (const o of options) {
    // Named as the user would have typed it: the long name, or the nmap-style word (-iL).
    const names: [string, string][] = [[o.name, `--${o.name}`]];
    if (o.short && o.short.length > 1) names.push([o.short, `-${o.short}`]);
    for (const a of o.aliases ?? []) if (!a.startsWith('-')) names.push([a, `--${a}`]);
    let best: [number, string] | undefined;
    for (const [name, shown] of names) {
      const d = name.toLowerCase() === typed.toLowerCase() ? 0
        : typed.length >= 3 && name.startsWith(typed) ? 0.5
          : editDistance(typed, name);
      if (d <= (typed.length >= 6 ? 2 : 1) && (!best || d < best[0])) best = [d, shown];
    }
    if (best) scored.push(best);
  }
  scored.sort((x, y) => x[0] - y[0]);
  // A name the typed one starts (or a case slip) is what was meant: further guesses are noise.
  const sure = scored.filter((x) => x[0] <= 0.5);
  return (sure.length ? sure : scored).slice(0, 3).map((x) => x[1]);
}

/** The one reader of numbers users type: 1000, 1e6, 0x10, 1.5k, 2M, 1G (decimal multipliers, as
 *  masscan's --rate does not take but users type), or NaN. Options of type number, --rate,
 *  --bandwidth, --rotate-size and --resume-index all read through it. */
export function parseNumber(s: string): number {
  const t = s.trim();
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)([kKmMgG]?)$/.exec(t);
  if (m) {
    const mult = { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6, g: 1e9, G: 1e9 }[m[2]] as number;
    return Number(m[1]) * mult;
  }
  if (/^0x[0-9a-f]+$/i.test(t)) return Number(t);
  return NaN;
}

export function helpText(info: CommandInfo): string {
  const rows = info.options.map((o) => {
    const names = [o.short ? `-${o.short}` : '', `--${o.name}`].filter(Boolean).join(', ');
    const left = `  ${names}${o.type === 'boolean' ? '' : ' ' + (o.arg ?? 'VALUE')}`;
    const def = o.default !== undefined && o.default !== false ? ` (default: ${o.default})` : '';
    const alias = o.aliases?.length ? ` (alias${o.aliases.length > 1 ? 'es' : ''}: ${o.aliases.map(aliasFlag).join(', ')})` : '';
    return [left, o.help + def + (o.type === 'list' ? ' (repeatable)' : '') + alias] as const;
  });
  const w = Math.min(34, Math.max(...rows.map((r) => r[0].length)) + 2);
  const lines = rows.map(([l, h]) => (l.length >= w ? `${l}\n${' '.repeat(w)}${h}` : l.padEnd(w) + h));
  const notes = info.notes ? `\n${info.notes}` : '';
  return `usage: trawl ${info.name} ${info.synopsis}\n\n${info.summary}\n\noptions:\n${lines.join('\n')}\n${notes}\nSee man trawl-${info.name} for details.\n`;
}
