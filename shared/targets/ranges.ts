// One range token (address, CIDR or a-b, IPv4 or IPv6) -> an inclusive interval; range files.
import * as fs from 'fs';
import type { Readable } from 'stream';
import { UsageError } from '../exit';
import { readLines } from '../ndjson-reader';
import { quoteInput } from '../quote';
import { parseIPv4 } from '../ipv4';
import { parseIPv6 } from '../ipv6';

/** An inclusive interval of one family; IPv4 values also fit in a BigInt so set code is shared. */
export interface Range { v6: boolean; first: bigint; last: bigint; text: string }

/** One address, IPv4 or IPv6 (bracketed or not), as a range end takes it. */
export function parseAddr(s: string): { v6: boolean; v: bigint } | string {
  // masscan's brackets ([1::1], [1::1]/126, [1::1]-[2::3]) are for IPv6 only, as in URLs.
  if (s.startsWith('[') && s.endsWith(']')) {
    const v = parseIPv6(s.slice(1, -1));
    return typeof v === 'string' ? `'${s}' is not a bracketed IPv6 address` : { v6: true, v };
  }
  if (s.includes(':')) {
    const v = parseIPv6(s);
    return typeof v === 'string' ? v : { v6: true, v };
  }
  const v = parseIPv4(s);
  return typeof v === 'string' ? v : { v6: false, v: BigInt(v) };
}

// The range dash: '-', the en dash U+2013 that word processors put in, and U+FFFD, which the
// byte 0x96 (Windows-1252's en dash, which masscan accepts) becomes when read as UTF-8; no
// address contains any of them.
const DASH = /[-\u2013\ufffd]/;

/** Parses "1.2.3.4", "1.2.3.0/24", "1.2.3.4-1.2.3.9", nmap's "1.2.3.4-9" (the last octet),
 *  "2001:db8::/32", "fe80::1-fe80::9" and masscan's "[1::1]", "[1::]/126", "[1::1]-[2::3]". */
export function parseRange(token: string): Range | string {
  const t = token.trim();
  if (t === '') return 'empty range';
  const slash = t.indexOf('/');
  if (slash >= 0) {
    const a = parseAddr(t.slice(0, slash));
    if (typeof a === 'string') return a;
    const bitsText = t.slice(slash + 1);
    const width = a.v6 ? 128 : 32;
    if (!/^\d{1,3}$/.test(bitsText) || Number(bitsText) > width) return `bad prefix length '/${bitsText}' (0-${width})`;
    const host = BigInt(width - Number(bitsText));
    // Host bits set below the prefix (10.1.2.3/8) mean the whole prefix, as in nmap and masscan.
    const first = (a.v >> host) << host;
    return { v6: a.v6, first, last: first + (1n << host) - 1n, text: t };
  }
  const dash = t.search(DASH);
  if (dash >= 0) {
    const a = parseAddr(t.slice(0, dash));
    if (typeof a === 'string') return a;
    const end = t.slice(dash + 1);
    let b: { v6: boolean; v: bigint } | string;
    if (!a.v6 && /^\d{1,3}$/.test(end)) {
      // nmap's 198.18.0.1-10: the end replaces the last octet.
      if (Number(end) > 255 || (end.length > 1 && end[0] === '0')) return `bad last octet '${end}' in '${t}' (0-255, no leading zero)`;
      b = { v6: false, v: (a.v & ~0xffn) | BigInt(end) };
    } else b = parseAddr(end);
    if (typeof b === 'string') return b;
    if (a.v6 !== b.v6) return 'a range cannot mix IPv4 and IPv6';
    if (b.v < a.v) return 'range ends before it starts';
    return { v6: a.v6, first: a.v, last: b.v, text: t };
  }
  const a = parseAddr(t);
  if (typeof a === 'string') return a;
  return { v6: a.v6, first: a.v, last: a.v, text: t };
}

/** Splits an argument such as "10.0.0.0/8,192.168.0.0/16" and parses each piece. */
export function parseRangeArg(arg: string, what: string): Range[] {
  const out: Range[] = [];
  for (const tok of arg.split(/[\s,]+/).filter(Boolean)) {
    const r = parseRange(tok);
    if (typeof r === 'string') throw new UsageError(`${what} '${tok}': ${r}`);
    out.push(r);
  }
  if (out.length === 0) throw new UsageError(`${what} '${arg}': empty range`);
  return out;
}

// The longest range token that can be valid is an IPv6 range of two full addresses with IPv4
// tails (2 x 45 + 1); longer ones are refused before parsing, so no message echoes megabytes.
const MAX_TOKEN = 100;
// Range files are read a line at a time; a longer line is an error, and memory stays bounded.
export const MAX_RANGE_LINE = 1 << 20;
const SEP = /[\s,]/;

/** The ranges of one line of a range file (after its '#' comment); a bad token is a usage
 *  error naming FILE:LINE and the start of the token. After a range and a comma, a field that
 *  is not a range starts ZMap's list data ("1.2.3.0/24,comment,data"): it and the rest of the
 *  line are skipped and returned, for the caller to report. */
export function parseRangeLine(line: string, where: string, out: Range[]): string | undefined {
  const hash = line.indexOf('#');
  const body = hash >= 0 ? line.slice(0, hash) : line;
  // Most lines hold one bare range: skip the split for them.
  if (!SEP.test(body)) {
    if (body !== '') out.push(parseToken(body, where));
    return undefined;
  }
  const start = out.length;
  const fields = body.split(',');
  for (let f = 0; f < fields.length; f++) {
    const tokens = fields[f].split(/\s+/).filter(Boolean);
    const parsed = tokens.map((tok) => (tok.length > MAX_TOKEN ? `longer than ${MAX_TOKEN} characters` : parseRange(tok)));
    const bad = parsed.findIndex((r) => typeof r === 'string');
    if (bad < 0) { for (const r of parsed) out.push(r as Range); continue; }
    if (f > 0 && out.length > start) return fields.slice(f).join(',').trim();
    throw new UsageError(`${where}: bad range '${quoteInput(tokens[bad])}': ${parsed[bad]}`);
  }
  return undefined;
}

function parseToken(tok: string, where: string): Range {
  const r = tok.length > MAX_TOKEN ? `longer than ${MAX_TOKEN} characters` : parseRange(tok);
  if (typeof r === 'string') throw new UsageError(`${where}: bad range '${quoteInput(tok)}': ${r}`);
  return r;
}

/** Counts the lines whose ZMap fields were skipped, for one warning per file. */
class Skipped {
  private first = '';
  private more = 0;
  add(where: string, rest: string | undefined): void {
    if (rest === undefined) return;
    if (this.first === '') this.first = `${where}: ignored '${quoteInput(rest)}' after the range (ZMap list fields)`;
    else this.more++;
  }
  report(warn?: (msg: string) => void): void {
    if (warn && this.first) warn(this.first + (this.more ? `, and on ${this.more} more line${this.more > 1 ? 's' : ''}` : ''));
  }
}

/**
 * Parses a range file as nmap's -iL, ZMap's blocklist and list files and masscan's exclude.conf
 * write them: ranges separated by newlines, commas or blanks; '#' starts a comment; ZMap's
 * fields after a range are skipped with one warning. A bad token is a usage error naming
 * FILE:LINE and the token.
 */
export function parseRangeText(text: string, file: string, warn?: (msg: string) => void): Range[] {
  const out: Range[] = [];
  const skipped = new Skipped();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const where = `${file}:${n + 1}`;
    skipped.add(where, parseRangeLine(lines[n].endsWith('\r') ? lines[n].slice(0, -1) : lines[n], where, out));
  }
  skipped.report(warn);
  return out;
}

/** Reads a range file, or standard input for "-", a line at a time; warn gets the one warning
 *  about skipped ZMap fields. */
export async function readRangeFile(file: string, stdin: Readable, warn?: (msg: string) => void): Promise<Range[]> {
  const name = file === '-' ? 'stdin' : file;
  let input: Readable;
  if (file === '-') input = stdin;
  else {
    // Opened synchronously so a missing file is reported as before, without a stream error.
    let fd: number;
    try { fd = fs.openSync(file, 'r'); } catch (e) {
      throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    input = fs.createReadStream('', { fd });
  }
  const out: Range[] = [];
  const skipped = new Skipped();
  try {
    await readLines(input, MAX_RANGE_LINE, (line, n, tooLong) => {
      if (tooLong) throw new UsageError(`${name}:${n}: line longer than ${MAX_RANGE_LINE} bytes: ${quoteInput(line)}`);
      skipped.add(`${name}:${n}`, parseRangeLine(line, `${name}:${n}`, out));
    });
  } catch (e) {
    if (file !== '-') input.destroy();
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  skipped.report(warn);
  return out;
}
