// The batched cookie check: one call per batch of candidate replies, through the native module
// when it is built, else the TypeScript reference (shared/cookie.ts; slow, for pure-TS tests).
import { isn, checkSourcePort } from '../cookie';
import type { Native } from '../../native/index';

export type CookieFn = (saddr: Uint32Array, daddr: Uint32Array, sport: Uint16Array, dport: Uint16Array, n: number,
  isnOut: Uint32Array, slotOut: Int8Array) => void;

export function nativeCookies(native: Native, key: Uint8Array, base: number, count: number): CookieFn {
  return (saddr, daddr, sport, dport, n, isnOut, slotOut) =>
    native.cookies(key, base, count, saddr, daddr, sport, dport, n, isnOut, slotOut);
}

export function referenceCookies(key: Uint8Array, base: number, count: number): CookieFn {
  return (saddr, daddr, sport, dport, n, isnOut, slotOut) => {
    for (let i = 0; i < n; i++) {
      const slot = checkSourcePort(key, saddr[i], daddr[i], dport[i], sport[i], base, count);
      slotOut[i] = slot;
      isnOut[i] = slot < 0 ? 0 : isn(key, saddr[i], daddr[i], sport[i], dport[i]);
    }
  };
}
