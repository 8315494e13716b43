// banners' bounds on the JARM join (shared/jarm/join.ts), with defaults, and the limits they give.
import type { OptionSpec } from '../args';
import type { JarmLimits } from './join';

export const DEFAULT_JARM_PORTS = 65536;
export const DEFAULT_JARM_BYTES = 64 * 1024 * 1024;
export const DEFAULT_JARM_WAIT_S = 10;

const intIn = (lo: number, hi: number) => (v: number) =>
  (Number.isInteger(v) && v >= lo && v <= hi ? undefined : `must be an integer from ${lo} to ${hi}`);

export const JARM_OPTIONS: OptionSpec[] = [
  { name: 'jarm-max-ports', type: 'number', arg: 'N', default: DEFAULT_JARM_PORTS, check: intIn(1, 16 * 1024 * 1024),
    help: 'ports whose jarm answers are held at once; the one waiting longest is written early (partial) when a new one comes' },
  { name: 'jarm-max-bytes', type: 'number', arg: 'BYTES', default: DEFAULT_JARM_BYTES, check: intIn(1, 2 ** 40),
    help: 'bytes of jarm banners held at once; the ports waiting longest are written early (partial) beyond it' },
  { name: 'jarm-wait', type: 'number', arg: 'S', default: DEFAULT_JARM_WAIT_S,
    check: (v: number) => (v > 0 && v <= 86400 ? undefined : 'must be more than 0 and at most 86400 seconds'),
    help: 'a port with fewer than ten jarm answers and none for S seconds (of record time_us) is written with what it has (jarm_partial)' },
];

export function jarmLimits(opts: Record<string, any>): JarmLimits {
  return {
    maxPorts: opts['jarm-max-ports'] ?? DEFAULT_JARM_PORTS,
    maxBytes: opts['jarm-max-bytes'] ?? DEFAULT_JARM_BYTES,
    waitUs: Math.round((opts['jarm-wait'] ?? DEFAULT_JARM_WAIT_S) * 1e6),
  };
}
