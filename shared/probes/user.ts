// The user probe (slot 15) from --probe-file: raw bytes, or the escaped text form documented in
// trawl-probes(7), recognised by its first line "#trawl-probe".
import * as fs from 'fs';
import { UsageError } from '../exit';
import { MAX_PROBE_LEN } from '../cookie';
import { ProbePayload } from './types';

export const USER_SLOT = 15;
export const USER_NAME = 'user';
export const TEXT_MAGIC = '#trawl-probe';
/** Longest text {ip} becomes, reserved in the length budget where it goes: an IPv6 address in
 *  brackets, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]" (a dotted IPv4 address takes 15). */
export const MAX_ADDRESS_LEN = 41;

/** Parses a probe file's bytes; `file` names it in errors ("FILE:LINE: ..."). */
export function parseProbeFile(data: Uint8Array, file: string): ProbePayload {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.length);
  const firstLine = buf.subarray(0, buf.indexOf(0x0a) < 0 ? buf.length : buf.indexOf(0x0a)).toString('latin1').trimEnd();
  const p = firstLine === TEXT_MAGIC ? parseText(buf.toString('utf8'), file) : { before: Uint8Array.from(buf) };
  const len = p.before.length + (p.after ? p.after.length + MAX_ADDRESS_LEN : 0);
  if (len === 0) throw new UsageError(`${file}: empty probe (use --probe null for services that speak first)`);
  if (len > MAX_PROBE_LEN) {
    throw new UsageError(`${file}: probe is ${len} bytes${p.after ? ' with the longest address' : ''}, more than ${MAX_PROBE_LEN}`);
  }
  return p;
}

export function readProbeFile(file: string): ProbePayload {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UsageError(`${file}: cannot read probe file: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  }
  return parseProbeFile(data, file);
}

const SIMPLE: Record<string, number> = { r: 0x0d, n: 0x0a, t: 0x09, '0': 0x00, '\\': 0x5c, '{': 0x7b };

// Line breaks in the file are layout only; the payload's own bytes are written as escapes,
// so a probe reads the same whatever editor saved it (CRLF or LF).
function parseText(text: string, file: string): ProbePayload {
  const parts: number[][] = [[]];
  const lines = text.split('\n');
  for (let ln = 1; ln < lines.length; ln++) {
    const line = lines[ln].endsWith('\r') ? lines[ln].slice(0, -1) : lines[ln];
    if (line.startsWith('#')) continue;
    const where = `${file}:${ln + 1}`;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      const out = parts[parts.length - 1];
      if (ch === '\\') {
        const e = line[i + 1];
        if (e === undefined) throw new UsageError(`${where}: backslash at the end of the line (write \\\\ for a backslash)`);
        if (e === 'x') {
          const h = line.slice(i + 2, i + 4);
          if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new UsageError(`${where}: \\x needs two hex digits, got '${h}'`);
          out.push(parseInt(h, 16)); i += 3; continue;
        }
        if (!(e in SIMPLE)) throw new UsageError(`${where}: unknown escape \\${e} (use \\r \\n \\t \\0 \\\\ \\{ or \\xNN)`);
        out.push(SIMPLE[e]); i += 1; continue;
      }
      if (line.startsWith('{ip}', i)) {
        if (parts.length > 1) throw new UsageError(`${where}: a second {ip} (one placeholder per probe; write \\{ip} for the text)`);
        parts.push([]); i += 3; continue;
      }
      const c = String.fromCodePoint(line.codePointAt(i)!); // whole character, even outside the BMP
      out.push(...Buffer.from(c, 'utf8')); i += c.length - 1;
    }
  }
  const before = Uint8Array.from(parts[0]);
  return parts.length > 1 ? { before, after: Uint8Array.from(parts[1]) } : { before };
}
