// --udp-payloads FILE: nmap's nmap-payloads format (Debian's nmap ships /usr/share/nmap/nmap-payloads),
// the payload sent in slot 15 to the ports that have no built-in module (shared/udp/registry.ts).
//
// An entry: `udp PORTS "string" "string" ...` then optional keywords, each with its data on its
// own line (`source PORT`; other keywords are skipped to the end of their line, as nmap does).
// PORTS: comma-separated numbers and ranges (32768-65535). Strings are C-escaped: \0 \a \b \f \n
// \r \t \v \\ \" \xHH; each opens and closes on one line; the entry's strings are concatenated.
// '#' outside a string starts a comment to the end of the line. Elements may be spread over lines.
// nmap sends every payload a port has; blast sends one datagram per target port, so the first
// entry naming a port wins (the file's order is nmap's preference).
import * as fs from 'fs';
import { UsageError } from '../exit';
import { MAX_PROBE_LEN } from '../cookie';
import { UdpPayload } from './types';
import { udpPayloadForPort } from './registry';

/** The slot and probe name of a payload from --udp-payloads (what catch writes as `probe`). */
export const UDP_USER_SLOT = 15;
export const UDP_USER_NAME = 'user';

export interface UdpPayloadFile {
  file: string;
  /** The first payload the file gives each port. */
  byPort: Map<number, Uint8Array>;
  /** Entries read (nmap's file: 63). */
  entries: number;
}

interface Token { kind: 'word' | 'string'; text: string; bytes?: Uint8Array; line: number }

const ESCAPES: Record<string, number> = {
  '0': 0, a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 0x5c, '"': 0x22, "'": 0x27, '?': 0x3f,
};

function tokens(text: string, file: string): Token[] {
  const out: Token[] = [];
  const lines = text.split('\n');
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln], where = `${file}:${ln + 1}`;
    let i = 0;
    while (i < line.length) {
      const c = line[i];
      if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
      if (c === '#') break;
      if (c === '"') {
        const bytes: number[] = [];
        let j = i + 1;
        for (;;) {
          if (j >= line.length) throw new UsageError(`${where}: the string opened in column ${i + 1} does not close on its line`);
          const ch = line[j];
          if (ch === '"') { j++; break; }
          if (ch === '\\') {
            const e = line[j + 1];
            if (e === 'x') {
              const h = line.slice(j + 2, j + 4);
              if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new UsageError(`${where}: \\x needs two hex digits, got '${h}'`);
              bytes.push(parseInt(h, 16)); j += 4; continue;
            }
            if (e === undefined || !(e in ESCAPES)) {
              throw new UsageError(`${where}: unknown escape \\${e ?? ''} (use \\0 \\a \\b \\f \\n \\r \\t \\v \\\\ \\" or \\xHH)`);
            }
            bytes.push(ESCAPES[e]); j += 2; continue;
          }
          bytes.push(line.charCodeAt(j) & 0xff); j++;   // read as latin1: byte for byte
        }
        out.push({ kind: 'string', text: line.slice(i, j), bytes: Uint8Array.from(bytes), line: ln + 1 });
        i = j;
        continue;
      }
      let j = i;
      while (j < line.length && !' \t\r#"'.includes(line[j])) j++;
      out.push({ kind: 'word', text: line.slice(i, j), line: ln + 1 });
      i = j;
    }
  }
  return out;
}

function ports(t: Token, file: string): number[] {
  const out: number[] = [];
  for (const part of t.text.split(',')) {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(part);
    const lo = m ? Number(m[1]) : NaN, hi = m?.[2] !== undefined ? Number(m[2]) : lo;
    if (!m || hi > 65535 || lo > hi) throw new UsageError(`${file}:${t.line}: bad port list '${t.text}' (want e.g. 53,161,32768-65535)`);
    for (let p = lo; p <= hi; p++) out.push(p);
  }
  return out;
}

/** Reads nmap-payloads bytes (decoded as latin1, so every byte in a string stands for itself);
 *  errors are UsageErrors naming FILE:LINE. */
export function parseUdpPayloads(data: Uint8Array, file: string): UdpPayloadFile {
  const ts = tokens(Buffer.from(data.buffer, data.byteOffset, data.length).toString('latin1'), file);
  const byPort = new Map<number, Uint8Array>();
  let entries = 0;
  for (let i = 0; i < ts.length;) {
    const t = ts[i];
    if (t.kind !== 'word' || t.text !== 'udp') {
      throw new UsageError(`${file}:${t.line}: expected an entry 'udp PORTS "payload"', got ${t.text.slice(0, 40)}`);
    }
    const pt = ts[i + 1];
    if (!pt || pt.kind !== 'word') throw new UsageError(`${file}:${t.line}: 'udp' without a port list`);
    const list = ports(pt, file);
    i += 2;
    const parts: Uint8Array[] = [];
    while (i < ts.length && ts[i].kind === 'string') parts.push(ts[i++].bytes!);
    if (parts.length === 0) throw new UsageError(`${file}:${pt.line}: 'udp ${pt.text}' has no quoted payload`);
    const payload = Buffer.concat(parts);
    if (payload.length > MAX_PROBE_LEN) {
      throw new UsageError(`${file}:${t.line}: payload is ${payload.length} bytes, more than ${MAX_PROBE_LEN}`);
    }
    // Keywords: `source PORT` is read and checked (not honoured, as in nmap); others are skipped
    // with the rest of their line.
    while (i < ts.length && ts[i].kind === 'word' && ts[i].text !== 'udp') {
      const kw = ts[i++];
      if (kw.text === 'source') {
        const v = ts[i];
        if (!v || v.line !== kw.line || v.kind !== 'word' || !/^\d{1,5}$/.test(v.text) || Number(v.text) > 65535) {
          throw new UsageError(`${file}:${kw.line}: 'source' needs a port number on its line`);
        }
        i++;
      }
      while (i < ts.length && ts[i].line === kw.line) i++;
    }
    entries++;
    const bytes = Uint8Array.from(payload);
    for (const p of list) if (!byPort.has(p)) byPort.set(p, bytes);
  }
  return { file, byPort, entries };
}

export function readUdpPayloads(file: string): UdpPayloadFile {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UsageError(`${file}: cannot read UDP payload file: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  }
  return parseUdpPayloads(data, file);
}

/** The slot 15 payload for a port: the file's, when no built-in module has the port (no id:
 *  the answer is checked by the keyed source port alone). */
export function userUdpPayload(f: UdpPayloadFile, port: number): UdpPayload | undefined {
  if (udpPayloadForPort(port)) return undefined;
  const bytes = f.byPort.get(port);
  return bytes ? { bytes } : undefined;
}
