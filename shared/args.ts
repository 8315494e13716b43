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
  // The config-file name of the arguments after the options ('range' for RANGE..., 'file' for
  // FILE...): `range = 10.0.0.0/8` in a -c FILE. None for a command that takes no arguments.
  operand?: string;
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
// -c FILE and --echo (masscan's): options from a `name = value` file, and the options in effect
// printed in that form. Every command has both; read in shared/config.ts, by runCommand.
export const CONF_OPTION: OptionSpec = {
  name: 'conf', short: 'c', type: 'list', arg: 'FILE',
  help: 'read options from FILE, name = value lines (see CONFIGURATION FILES in trawl(1)); the command line overrides it',
};
export const ECHO_OPTION: OptionSpec = {
  name: 'echo', type: 'boolean', help: 'print the options in effect as a config file (name = value) and exit',
};
/** The options only the command line may give: a config file cannot hold them. */
export const COMMAND_LINE_ONLY = new Set(['help', 'conf', 'echo']);
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

// Which options of a parse were given (on the command line or in a config file) rather than left
// at their defaults: --echo writes those, and a command may ask (catch's --source-port).
const GIVEN = new WeakMap<Parsed, Set<string>>();

/** Was the option named given, rather than left at its default? */
export function wasGiven(opts: Parsed, name: string): boolean {
  return GIVEN.get(opts)?.has(name) ?? false;
}

/** Records the options of opts that were given (shared/config.ts, after merging a file). */
export function setGiven(opts: Parsed, names: Iterable<string>): void {
  GIVEN.set(opts, new Set(names));
}

/** A value as typed converted to the option's type and checked: the value, or what is wrong
 *  with it ("'x' is not a number", the option's own check). Not for booleans. */
export function convertValue(o: OptionSpec, raw: string): { value: string | number } | { error: string } {
  let val: string | number = raw;
  if (o.type === 'number') {
    val = parseNumber(raw);
    if (Number.isNaN(val)) return { error: `'${raw}' is not a number` };
  }
  const e = o.check?.(val);
  return e ? { error: e } : { value: val };
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
  // Given: named by a flag before any '--' (one-letter and one-dash forms are long ones by now).
  const given = new Set<string>();
  for (const a of args) {
    if (a === '--') break;
    const f = /^--([^=]+)/.exec(a)?.[1];
    if (f === undefined) continue;
    if (byName.has(f)) given.add(f);
    else if (f.startsWith('no-') && byName.get(f.slice(3))?.type === 'boolean') given.add(f.slice(3));
  }
  setGiven(out, given);
  for (const o of info.options) {
    let v = m[o.name];
    if (o.type === 'boolean') {
      if (Array.isArray(v)) v = v[v.length - 1];
      out[o.name] = v === undefined ? (o.default ?? false) : Boolean(v);
      continue;
    }
    const values = v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String);
    if (values.some((s) => s === '') && present(o)) throw new UsageError(`option ${flagName(o)} needs a value${o.arg ? ` (${o.arg})` : ''}`);
    if (o.type === 'list') {
      out[o.name] = values;
      for (const g of values) { const c = convertValue(o, g); if ('error' in c) throw new UsageError(`option ${flagName(o)}: ${c.error}`); }
      continue;
    }
    if (values.length === 0) { out[o.name] = o.default; continue; }
    const c = convertValue(o, values[values.length - 1]);
    if ('error' in c) throw new UsageError(`option ${flagName(o)}: ${c.error}`);
    out[o.name] = c.value;
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
