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

function parseAddr(s: string): { v6: boolean; v: bigint } | string {
  if (s.includes(':')) {
    const v = parseIPv6(s);
    return typeof v === 'string' ? v : { v6: true, v };
  }
  const v = parseIPv4(s);
  return typeof v === 'string' ? v : { v6: false, v: BigInt(v) };
}

/** Parses "1.2.3.4", "1.2.3.0/24", "1.2.3.4-1.2.3.9", "2001:db8::/32", "fe80::1-fe80::9". */
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
  const dash = t.indexOf('-');
  if (dash >= 0) {
    const a = parseAddr(t.slice(0, dash)), b = parseAddr(t.slice(dash + 1));
    if (typeof a === 'string') return a;
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
 *  error naming FILE:LINE and the start of the token. */
export function parseRangeLine(line: string, where: string, out: Range[]): void {
  const hash = line.indexOf('#');
  const body = hash >= 0 ? line.slice(0, hash) : line;
  // Most lines hold one bare range: skip the split for them.
  const tokens = SEP.test(body) ? body.split(/[\s,]+/).filter(Boolean) : body === '' ? [] : [body];
  for (const tok of tokens) {
    const r = tok.length > MAX_TOKEN ? `longer than ${MAX_TOKEN} characters` : parseRange(tok);
    if (typeof r === 'string') throw new UsageError(`${where}: bad range '${quoteInput(tok)}': ${r}`);
    out.push(r);
  }
}

/**
 * Parses a range file as nmap's -iL, ZMap's blocklist and masscan's exclude.conf write them:
 * ranges separated by newlines, commas or blanks; '#' starts a comment. A bad token is a usage
 * error naming FILE:LINE and the token.
 */
export function parseRangeText(text: string, file: string): Range[] {
  const out: Range[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) parseRangeLine(lines[n], `${file}:${n + 1}`, out);
  return out;
}

/** Reads a range file, or standard input for "-", a line at a time. */
export async function readRangeFile(file: string, stdin: Readable): Promise<Range[]> {
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
  try {
    await readLines(input, MAX_RANGE_LINE, (line, n, tooLong) => {
      if (tooLong) throw new UsageError(`${name}:${n}: line longer than ${MAX_RANGE_LINE} bytes: ${quoteInput(line)}`);
      parseRangeLine(line, `${name}:${n}`, out);
    });
  } catch (e) {
    if (file !== '-') input.destroy();
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return out;
}
