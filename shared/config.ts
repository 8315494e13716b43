// Config files (-c FILE) and --echo, in masscan's manner: `name = value` lines, one option a line.
//
//   # a comment (a line whose first non-blank character is #)
//   rate = 100000           a value, spaces around it dropped; the first '=' splits
//   banners                 a boolean, bare (true), or banners = true / false
//   exclude = 10.0.0.0/8    a list option, once a line (commas only where its flag takes them)
//   range = 192.0.2.0/24    the command's arguments, by the name CommandInfo.operand gives them
//
// Names are the table's long names, their aliases (max-rate, excludefile, -e) and nmap-style
// words (-iL). The command line overrides a file: its scalars and booleans win, its lists and
// arguments come after the file's (as a repeated flag adds). A file another user could have
// written is refused, as ssh refuses such a config: it could point blast at any target.
import * as fs from 'fs';
import { COMMAND_LINE_ONLY, CommandInfo, convertValue, OptionSpec, Parsed, setGiven, suggest, wasGiven } from './args';
import { FatalError, UsageError } from './exit';
import { chownName, errnoText, myUid, shellQuote, userLabel } from './private';
import { printable, quoteInput } from './quote';
import { lookup } from './records';

// A config file is a page of options; more is a mistake (-c /dev/zero, a capture file).
const MAX_BYTES = 1 << 20;

/** One file's settings: each option's values in file order, and the arguments. */
interface FileSettings { values: Map<string, (string | number | boolean)[]>; operands: string[] }

/** The names a config line may use for each option: long name, aliases, nmap-style word. */
function configNames(info: CommandInfo): Map<string, OptionSpec> {
  const names = new Map<string, OptionSpec>();
  for (const o of info.options) {
    names.set(o.name, o);
    if (o.short && o.short.length > 1) names.set(`-${o.short}`, o);
    for (const a of o.aliases ?? []) names.set(a, o);
  }
  return names;
}

const BOOLEANS: Record<string, boolean> = { true: true, yes: true, on: true, 1: true, false: false, no: false, off: false, 0: false };

/** Reads FILE's text, refusing a file someone else could have written. */
function readPrivate(file: string): string {
  const what = `-c ${file}`;
  let fd: number;
  try { fd = fs.openSync(file, fs.constants.O_RDONLY); } catch (e) { throw new UsageError(`${what}: ${errnoText(e)}`); }
  try {
    const st = fs.fstatSync(fd);
    // A pipe is fine too (-c <(...)): its mode and owner are checked the same way.
    if (!st.isFile() && !st.isFIFO()) throw new UsageError(`${what}: not a regular file`);
    const q = shellQuote(file), me = myUid();
    // Owned by us or by root (who could change anything of ours anyway: /etc/trawl/scan.conf),
    // and writable by its owner alone. Others may read it: a config is not a secret.
    if (st.uid !== me && st.uid !== 0) {
      throw new FatalError(`${what}: owned by ${userLabel(st.uid)}, not by you (${userLabel(me)})${me !== 0 ? ' or root' : ''}, ` +
        `so another user could choose what trawl does (run chown ${chownName(me)} ${q}${st.mode & 0o022 ? ` && chmod go-w ${q}` : ''}, or copy it to a file of yours)`);
    }
    if (st.mode & 0o022) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      throw new FatalError(`${what}: mode ${mode} lets group or others write it, and so choose what trawl does (run chmod go-w ${q})`);
    }
    const buf = Buffer.alloc(MAX_BYTES + 1);
    let n = 0;
    for (let k; n < buf.length && (k = fs.readSync(fd, buf, n, buf.length - n, null)) > 0;) n += k;
    if (n > MAX_BYTES) throw new UsageError(`${what}: larger than ${MAX_BYTES} bytes, not a config file`);
    return buf.toString('utf8', 0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/** Parses one file's lines against the table. Throws UsageError naming FILE:LINE. */
export function parseConfig(info: CommandInfo, text: string, file: string): FileSettings {
  const names = configNames(info);
  const out: FileSettings = { values: new Map(), operands: [] };
  // An editor's byte-order mark and CRLF line ends are no part of the names or values.
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (let k = 0; k < lines.length; k++) {
    const where = `${file}:${k + 1}`;
    const line = lines[k].replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const name = (eq < 0 ? line : line.slice(0, eq)).trim();
    const raw = eq < 0 ? undefined : line.slice(eq + 1).trim();
    if (!/^-{0,2}[A-Za-z][A-Za-z0-9-]*$/.test(name)) {
      throw new UsageError(`${where}: not a name = value line: '${quoteInput(line)}'`);
    }
    if (info.operand && name === info.operand) {
      if (!raw) throw new UsageError(`${where}: ${name} needs a value`);
      out.operands.push(raw);
      continue;
    }
    const o = names.get(name);
    if (!o) {
      // Suggested as a config file names them: rate, not --rate.
      const pseudo = info.operand ? [{ name: info.operand, type: 'list', help: '' } as OptionSpec] : [];
      const near = suggest([...info.options.filter((x) => !COMMAND_LINE_ONLY.has(x.name)), ...pseudo], name).map((f) => f.replace(/^--/, ''));
      throw new UsageError(`${where}: unknown option ${printable(name)}${near.length ? `: did you mean ${near.join(' or ')}?` : ''} (see --help)`);
    }
    if (COMMAND_LINE_ONLY.has(o.name)) throw new UsageError(`${where}: ${o.name} is for the command line, not a config file`);
    let value: string | number | boolean;
    if (o.type === 'boolean') {
      if (raw === '') throw new UsageError(`${where}: option ${o.name} needs true or false (or the name alone for true)`);
      const b = raw === undefined ? true : lookup(BOOLEANS, raw.toLowerCase());
      if (b === undefined) throw new UsageError(`${where}: option ${o.name}: '${quoteInput(raw!)}' is not true or false`);
      value = b;
    } else {
      if (!raw) throw new UsageError(`${where}: option ${o.name} needs a value${o.arg ? ` (${o.arg})` : ''}`);
      const c = convertValue(o, raw);
      if ('error' in c) throw new UsageError(`${where}: option ${o.name}: ${c.error}`);
      value = c.value;
    }
    const vs = out.values.get(o.name) ?? [];
    vs.push(value);
    out.values.set(o.name, vs);
  }
  return out;
}

/**
 * The options in effect: the files' settings (in the order given, a later file's scalars over
 * an earlier one's) under the command line's. Lists and arguments add up: the files' first.
 */
export function applyConfig(info: CommandInfo, cli: Parsed, files: string[]): Parsed {
  const out: Parsed = { ...cli, _: [] };
  const given = new Set(info.options.filter((o) => wasGiven(cli, o.name)).map((o) => o.name));
  const lists = new Map<string, string[]>();
  for (const file of files) {
    const s = parseConfig(info, readPrivate(file), file);
    out._.push(...s.operands);
    for (const o of info.options) {
      const vs = s.values.get(o.name);
      if (!vs) continue;
      if (o.type === 'list') lists.set(o.name, [...(lists.get(o.name) ?? []), ...vs.map(String)]);
      else if (!wasGiven(cli, o.name)) out[o.name] = vs[vs.length - 1];
      given.add(o.name);
    }
  }
  for (const [name, vs] of lists) out[name] = [...vs, ...cli[name]];
  out._.push(...cli._);
  setGiven(out, given);
  return out;
}

/** A value as a config line holds it, or null when it cannot (a line break, edge spaces). */
function lineValue(v: unknown): string | null {
  const s = String(v);
  return s === '' || s !== s.trim() || /[\r\n]/.test(s) ? null : s;
}

/**
 * The options in effect as a config file: what was given as `name = value` lines, every other
 * option commented out at its default (so the file shows what there is to set), in table order
 * after the arguments. Reading it back with -c gives the same options.
 */
export function echoConfig(info: CommandInfo, opts: Parsed): string {
  const out = [`# trawl ${info.name} --echo: the options in effect; read back with trawl ${info.name} -c FILE.`,
    '# Options left at their defaults are shown commented out.'];
  const line = (name: string, v: unknown) => {
    const s = lineValue(v);
    if (s === null) throw new UsageError(`--echo: the value of ${name} ('${quoteInput(String(v))}') cannot be written on a name = value line`);
    out.push(`${name} = ${s}`);
  };
  if (info.operand) {
    for (const a of opts._) line(info.operand, a);
    if (!opts._.length) out.push(`# ${info.operand} =`);
  }
  for (const o of info.options) {
    if (COMMAND_LINE_ONLY.has(o.name)) continue;
    const v = opts[o.name];
    if (!wasGiven(opts, o.name)) {
      out.push(`# ${o.name} =${v === undefined || (Array.isArray(v) && !v.length) ? '' : ` ${printable(String(v))}`}`);
    } else if (o.type === 'list') {
      for (const x of v as string[]) line(o.name, x);
    } else {
      line(o.name, v);
    }
  }
  return out.join('\n') + '\n';
}
