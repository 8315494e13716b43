// Port lists: "80,443,8000-8100" -> sorted unique ports; --top-ports from the frequency table.
import { TOP_TCP_PORTS } from './top-ports';
import { UsageError } from '../exit';

/** Parses a port list; returns the ports (unsorted, may repeat) or an error naming the token. */
export function parsePorts(spec: string): number[] | string {
  const out: number[] = [];
  const tokens = spec.split(',').map((t) => t.trim());
  for (const tok of tokens) {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(tok);
    if (!m) return `bad port '${tok}' (want N or N-M, 0-65535)`;
    const lo = Number(m[1]), hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo > 65535 || hi > 65535) return `bad port '${tok}': ports go up to 65535`;
    if (hi < lo) return `bad port range '${tok}': ends before it starts`;
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
