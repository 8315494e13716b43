// banners' reassembly options (bounds of the table, all with defaults) and the limits they give.
import type { OptionSpec } from '../args';
import type { ReassemblyLimits } from './table';

export const DEFAULT_MAX_BANNER = 1024 * 1024;
const MAX_MAX_BANNER = 2 * 1024 * 1024;   // a banner record stays well under the readers' 4 MiB line
export const DEFAULT_MAX_CONNECTIONS = 65536;
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
export const DEFAULT_IDLE_S = 5;

const intIn = (lo: number, hi: number) => (v: number) =>
  (Number.isInteger(v) && v >= lo && v <= hi ? undefined : `must be an integer from ${lo} to ${hi}`);

export const REASSEMBLY_OPTIONS: OptionSpec[] = [
  { name: 'max-banner', type: 'number', arg: 'BYTES', default: DEFAULT_MAX_BANNER, check: intIn(1, MAX_MAX_BANNER),
    help: 'bytes kept of one response; more is counted in len and marked truncated' },
  { name: 'max-connections', type: 'number', arg: 'N', default: DEFAULT_MAX_CONNECTIONS, check: intIn(1, 16 * 1024 * 1024),
    help: 'connections reassembled at once; the one idle longest is written early when a new one comes' },
  { name: 'max-bytes', type: 'number', arg: 'BYTES', default: DEFAULT_MAX_BYTES, check: intIn(1, 2 ** 40),
    help: 'response bytes held at once (all connections); the connections idle longest are written early beyond it' },
  { name: 'idle', type: 'number', arg: 'S', default: DEFAULT_IDLE_S,
    check: (v: number) => (v > 0 && v <= 86400 ? undefined : 'must be more than 0 and at most 86400 seconds'),
    help: 'a connection with no segment for S seconds (of record time_us) is written' },
];

/** Limits from parsed options; a --max-bytes below --max-banner is a usage error (returned as a message). */
export function reassemblyLimits(opts: Record<string, any>): ReassemblyLimits | string {
  const l: ReassemblyLimits = {
    maxBanner: opts['max-banner'] ?? DEFAULT_MAX_BANNER,
    maxConnections: opts['max-connections'] ?? DEFAULT_MAX_CONNECTIONS,
    maxBytes: opts['max-bytes'] ?? DEFAULT_MAX_BYTES,
    idleUs: Math.round((opts.idle ?? DEFAULT_IDLE_S) * 1e6),
  };
  if (l.maxBytes < l.maxBanner) return `--max-bytes ${l.maxBytes} is less than --max-banner ${l.maxBanner}: one response could not be held`;
  return l;
}
