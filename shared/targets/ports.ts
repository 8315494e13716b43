// Port lists: "80,443,8000-8100" -> sorted unique ports; --top-ports from the frequency table.
import { TOP_TCP_PORTS } from './top-ports';
import { UsageError } from '../exit';

/**
 * Parses a port list; returns the ports (unsorted, may repeat) or an error naming the token.
 * Besides N and N-M, nmap's open ends: "-" is 1-65535 (nmap -p-), "-N" is 1-N, "N-" is
 * N-65535. nmap's and masscan's protocol prefixes: T: (TCP) is accepted and, as in nmap, holds
 * for the tokens after it; U: (UDP) and S: (SCTP) are refused, since trawl sends TCP only.
 */
export function parsePorts(spec: string): number[] | string {
  const out: number[] = [];
  const tokens = spec.split(',').map((t) => t.trim());
  let proto = 'T';
  for (const given of tokens) {
    let tok = given;
    const q = /^([A-Za-z]):/.exec(tok);
    if (q) {
      proto = q[1].toUpperCase();
      tok = tok.slice(2);
      if (proto !== 'T' && proto !== 'U' && proto !== 'S') return `bad protocol '${q[1]}:' in '${given}' (T: is TCP, the only one trawl scans)`;
    }
    if (proto !== 'T') return `'${given}': ${proto === 'U' ? 'UDP' : 'SCTP'} ports (${proto}:) are not supported: trawl scans TCP only`;
    const m = /^(\d{1,5})?(-)?(\d{1,5})?$/.exec(tok);
    if (!m || (m[1] === undefined && m[2] === undefined) || (m[2] === undefined && m[3] !== undefined)) return `bad port '${given}' (want N, N-M, -M, N- or -, 0-65535)`;
    const lo = m[1] !== undefined ? Number(m[1]) : 1;
    const hi = m[2] === undefined ? lo : m[3] !== undefined ? Number(m[3]) : 65535;
    if (lo > 65535 || hi > 65535) return `bad port '${given}': ports go up to 65535`;
    if (hi < lo) return `bad port range '${given}': ends before it starts`;
    for (let p = lo; p <= hi; p++) out.push(p);
  }
  return out;
}

export function topPorts(n: number): number[] {
  return TOP_TCP_PORTS.slice(0, n);
}

/** The scan's port list: the union of all given ports minus the excluded ones, ascending. */
export function portSet(include: number[], exclude: number[]): number[] {
  const mark = new Uint8Array(65536);
  for (const p of include) mark[p] = 1;
  for (const p of exclude) mark[p] = 0;
  const out: number[] = [];
  for (let p = 0; p < 65536; p++) if (mark[p]) out.push(p);
  return out;
}

/** The ports -p, --top-ports and --exclude-ports name (targets' options; scan records them too). */
export function collectPorts(opts: Record<string, any>): number[] {
  const include: number[] = [];
  for (const spec of opts.ports as string[]) {
    const p = parsePorts(spec);
    if (typeof p === 'string') throw new UsageError(`option -p: ${p}`);
    for (const x of p) include.push(x);
  }
  if (opts['top-ports'] !== undefined) for (const x of topPorts(opts['top-ports'])) include.push(x);
  if (include.length === 0) throw new UsageError('no ports: give -p PORTS or --top-ports N');
  const exclude: number[] = [];
  for (const spec of opts['exclude-ports'] as string[]) {
    const p = parsePorts(spec);
    if (typeof p === 'string') throw new UsageError(`option --exclude-ports: ${p}`);
    for (const x of p) exclude.push(x);
  }
  return portSet(include, exclude);
}
