// The source-port range the cookie keys on (shared/cookie.ts): its one parser and the one
// --source-port option blast, catch and scan share, so their defaults agree by construction.
import { checkBy, OptionSpec } from './args';
import { DEFAULT_SPORT_BASE, DEFAULT_SPORT_COUNT } from './cookie';

export interface PortRange { base: number; count: number }

/** "N" or "N-M" -> the range, or an error message naming the text. */
export function parsePortRange(s: string): PortRange | string {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s.trim());
  if (!m) return `'${s}' is not N or N-M`;
  const lo = Number(m[1]), hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo < 1 || hi > 65535 || lo > hi) return `'${s}' is not a port range within 1-65535`;
  return { base: lo, count: hi - lo + 1 };
}

export const SOURCE_PORT_OPTION: OptionSpec = {
  name: 'source-port', type: 'string', arg: 'N|N-M', default: `${DEFAULT_SPORT_BASE}-${DEFAULT_SPORT_BASE + DEFAULT_SPORT_COUNT - 1}`,
  check: checkBy(parsePortRange),
  help: 'source ports blast sends from (a keyed one per target); catch needs the same range',
};
