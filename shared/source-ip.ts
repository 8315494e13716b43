// Our scan addresses, one per family: the one --source-ip option blast, catch and scan share
// (given once per family), and the defaults taken from the interface (its first IPv4 address,
// its first global IPv6 address), so the three commands agree by construction.
import { OptionSpec } from './args';
import { parseIPv4 } from './ipv4';
import { parseIPv6 } from './ipv6';

/** The source address of each family, as text; null when there is none. */
export interface Sources { v4: string | null; v6: string | null }

/** The family of an address text, or an error message naming it. */
export function addressFamily(s: string): 4 | 6 | string {
  if (typeof parseIPv4(s) === 'number') return 4;
  if (s.includes(':') && typeof parseIPv6(s) === 'bigint') return 6;
  return `'${s}' is not an IPv4 or IPv6 address`;
}

/** The --source-ip values (at most one per family), or an error message. */
export function parseSources(values: string[]): Sources | string {
  const out: Sources = { v4: null, v6: null };
  for (const v of values) {
    const f = addressFamily(v);
    if (typeof f === 'string') return f;
    const k = f === 4 ? 'v4' : 'v6';
    if (out[k] !== null) return `two IPv${f} source addresses (${out[k]}, ${v}): give one per family`;
    out[k] = v;
  }
  return out;
}

/** The given sources, each family without one taken from the interface's addresses. */
export function withDefaults(given: Sources, iface: { v4: string | null; v6: string | null } | null): Sources {
  return { v4: given.v4 ?? iface?.v4 ?? null, v6: given.v6 ?? iface?.v6 ?? null };
}

/** --source-ip as the address options of scan's children spell it (one flag per family). */
export function sourceArgs(s: Sources): string[] {
  return [...(s.v4 ? ['--source-ip', s.v4] : []), ...(s.v6 ? ['--source-ip', s.v6] : [])];
}

export const SOURCE_IP_OPTION: OptionSpec = {
  name: 'source-ip', type: 'list', arg: 'ADDR',
  check: (v: string) => { const f = addressFamily(v); return typeof f === 'string' ? f : undefined; },
  help: 'our scan address, IPv4 or IPv6; once per family (default: the interface\'s first IPv4 and first global IPv6 address)',
};
