// catch's options that scan passes through as they are: how much of each response to get, and
// whether to reset the connections (the defaults scan's cooldown is measured against).
import type { OptionSpec } from '../args';
import { OFFSET_RANGE } from './ts-stamp';

export const DEFAULT_MAX_BANNER = 16384;
/** 2 MiB: offsets decoded from the timestamp stay exact below 2^22 (ts-stamp.ts), with room for
 *  what is in flight when the RST leaves. */
export const MAX_MAX_BANNER = OFFSET_RANGE / 2;
/** --rst-idle's default, seconds: scan lingers past it so the idle RSTs fall due. */
export const DEFAULT_RST_IDLE = 4;

export const MAX_BANNER_OPTION: OptionSpec = {
  name: 'max-banner', type: 'number', arg: 'BYTES', default: DEFAULT_MAX_BANNER,
  help: 'get BYTES of each response: acknowledged up to there, then reset; bytes past it are not kept',
  check: (v: number) => (Number.isInteger(v) && v >= 1 && v <= MAX_MAX_BANNER ? undefined : `'${v}' must be an integer from 1 to ${MAX_MAX_BANNER}`),
};

export const NO_RST_OPTION: OptionSpec = {
  name: 'no-rst', type: 'boolean', help: 'never ask for an RST (ZMap\'s way: servers time the connections out)',
};
