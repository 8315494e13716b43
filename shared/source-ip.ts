// Our scan addresses, one address or range per family: the one --source-ip option blast, catch
// and scan share (given once per family), and the defaults taken from the interface (its first
// IPv4 address, its first global IPv6 address), so the three commands agree by construction.
// A range (a-b or a CIDR, masscan's --adapter-ip, ZMap's -S) spreads the connections: each
// target gets a keyed address of it (shared/cookie.ts sourceIndex).
import { OptionSpec } from './args';
import { formatIPv4 } from './ipv4';
import { formatIPv6 } from './ipv6';
import { parseRange } from './targets/ranges';

/** The first source address of each family, as text (null when there is none), and how many
 *  consecutive addresses from it the family uses (1: no range). */
export interface Sources { v4: string | null; v6: string | null; n4?: number; n6?: number }

// A range spreads over at most this many addresses (catch lists them all), and an IPv6 one
// varies the last 32 bits only (the native templates count there).
export const MAX_SOURCES = 65536;

/** One --source-ip value: its family, first address and count, or an error message. */
export function parseSource(s: string): { family: 4 | 6; first: string; count: number } | string {
  const r = parseRange(s);
  if (typeof r === 'string' || (r.v6 && !s.includes(':'))) return `'${s}' is not an IPv4 or IPv6 address, range a-b or CIDR`;
  const count = r.last - r.first + 1n;
  if (count > BigInt(MAX_SOURCES)) return `'${s}' has ${count} addresses: a source range has at most ${MAX_SOURCES}`;
  if (r.v6 && (r.first >> 32n) !== (r.last >> 32n)) return `'${s}': an IPv6 source range may only vary the last 32 bits`;
  return { family: r.v6 ? 6 : 4, first: r.v6 ? formatIPv6(r.first) : formatIPv4(Number(r.first)), count: Number(count) };
}

/** The family of an address text, or an error message naming it. */
export function addressFamily(s: string): 4 | 6 | string {
  const p = parseSource(s);
  return typeof p === 'string' ? p : p.family;
}

/** The --source-ip values (at most one per family), or an error message. */
export function parseSources(values: string[]): Sources | string {
  const out: Sources = { v4: null, v6: null };
  for (const v of values) {
    const p = parseSource(v);
    if (typeof p === 'string') return p;
    const k = p.family === 4 ? 'v4' : 'v6';
    if (out[k] !== null) return `two IPv${p.family} sources (${out[k]}, ${v}): give one address or range per family`;
    out[k] = p.first;
    if (p.count > 1) out[p.family === 4 ? 'n4' : 'n6'] = p.count;
  }
  return out;
}

/** The given sources, each family without one taken from the interface's addresses. */
export function withDefaults(given: Sources, iface: { v4: string | null; v6: string | null } | null): Sources {
  return {
    v4: given.v4 ?? iface?.v4 ?? null, v6: given.v6 ?? iface?.v6 ?? null,
    ...(given.v4 && given.n4 ? { n4: given.n4 } : {}), ...(given.v6 && given.n6 ? { n6: given.n6 } : {}),
  };
}

/** The last address of a family's range as text (the first when there is no range). */
function lastOf(first: string, count: number, v6: boolean): string {
  const r = parseRange(first) as { first: bigint };
  return v6 ? formatIPv6(r.first + BigInt(count - 1)) : formatIPv4(Number(r.first) + count - 1);
}

/** --source-ip as the address options of scan's children spell it (one flag per family). */
export function sourceArgs(s: Sources): string[] {
  const one = (a: string, n: number | undefined, v6: boolean) => ['--source-ip', n && n > 1 ? `${a}-${lastOf(a, n, v6)}` : a];
  return [...(s.v4 ? one(s.v4, s.n4, false) : []), ...(s.v6 ? one(s.v6, s.n6, true) : [])];
}

export const SOURCE_IP_OPTION: OptionSpec = {
  name: 'source-ip', aliases: ['-S', 'adapter-ip', 'source-ip-addresses'], type: 'list', arg: 'ADDR|A-B|CIDR',
  check: (v: string) => { const f = addressFamily(v); return typeof f === 'string' ? f : undefined; },
  help: 'our scan address or range (a-b, CIDR), IPv4 or IPv6; once per family (default: the interface\'s first IPv4 and first global IPv6 address)',
};
