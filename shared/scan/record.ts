// The `scan` record: the command line, seed, ports and start of the scan that produced the
// records after it, written by `trawl scan` at the head of its stream and read by fmt for the
// headers of nmap's formats and the scans table of sqlite (man/trawl.7).
import type { AnyRecord } from '../records';

export interface RunInfo {
  args: string;          // the command line, each word shell-quoted where it needs it
  ports: string;         // the scanned ports as ranges, "22,80,8000-8100" ('' when unknown)
  nports: number;        // how many
  seed: string | null;   // the order's seed (a u64 as decimal text)
  start_us: number | null;
}

const SAFE = /^[\w@%+=:,./-]+$/;

/** One argv word as a POSIX shell would need it typed. */
export function shellQuote(w: string): string {
  return w !== '' && SAFE.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/** Sorted unique ports as nmap writes them in <scaninfo services>: "21-23,80,443". */
export function portRanges(ports: readonly number[]): string {
  const s = [...new Set(ports)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j] + 1) j++;
    out.push(i === j ? `${s[i]}` : `${s[i]}-${s[j]}`);
    i = j + 1;
  }
  return out.join(',');
}

/** Port keys (shared/targets/ports.ts: proto * 65536 + port) in -p's own syntax: TCP ranges
 *  bare, then U: and its ranges, then I:echo ("22,80,U:53,161,I:echo"), so the scan record reads
 *  back as the -p that made it; then "arp" for --arp (which -p has no syntax for). */
export function portKeyRanges(keys: readonly number[]): string {
  const by: number[][] = [[], [], [], []];
  for (const k of keys) by[Math.min(3, Math.floor(k / 65536))].push(k % 65536);
  const out: string[] = [];
  if (by[0].length) out.push(portRanges(by[0]));
  if (by[1].length) out.push(`U:${portRanges(by[1])}`);
  if (by[2].length) out.push('I:echo');
  if (by[3].length) out.push('arp');
  return out.join(',');
}

/** The TCP part of a scan record's ports (portKeyRanges' text: TCP ranges come first, before
 *  any U:, I:echo or arp), and how many ports it holds: what nmap's TCP scaninfo lists. */
export function tcpPorts(ports: string): { list: string; count: number } {
  const out: string[] = [];
  let count = 0;
  for (const tok of ports.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(tok);
    if (!m) break;
    out.push(tok);
    count += (m[2] !== undefined ? Number(m[2]) : Number(m[1])) - Number(m[1]) + 1;
  }
  return { list: out.join(','), count };
}

/** The record `trawl scan` writes first. */
export function scanRecord(argv: readonly string[], ports: readonly number[], seed: string | null, startUs: number): AnyRecord {
  return { type: 'scan', args: ['trawl', 'scan', ...argv].map(shellQuote).join(' '), ports: portKeyRanges(ports), nports: new Set(ports).size, seed, time_us: startUs };
}

/** The run a `scan` record describes, or null when it is not one fmt can use. */
export function runInfo(rec: AnyRecord): RunInfo | null {
  if (rec.type !== 'scan' || typeof rec.args !== 'string') return null;
  return {
    args: rec.args,
    ports: typeof rec.ports === 'string' ? rec.ports : '',
    nports: typeof rec.nports === 'number' ? rec.nports : 0,
    seed: typeof rec.seed === 'string' ? rec.seed : typeof rec.seed === 'number' ? String(rec.seed) : null,
    start_us: typeof rec.time_us === 'number' ? rec.time_us : null,
  };
}
