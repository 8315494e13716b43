// The batched cookie check: one call per batch of candidate replies, through the native module
// when it is built, else the TypeScript reference (shared/cookie.ts; slow, for pure-TS tests).
// A batch may mix the families: with `families` given, entry i with families[i] = 6 takes its
// addresses from the 16 bytes at 16*i of saddr6 and daddr6 instead of saddr[i] and daddr[i].
import { isn, isn6, checkSourcePort, checkSourcePort6 } from '../cookie';
import type { Native } from '../../native/index';

export type CookieFn = (saddr: Uint32Array, daddr: Uint32Array, sport: Uint16Array, dport: Uint16Array, n: number,
  isnOut: Uint32Array, slotOut: Int16Array, families?: Uint8Array, saddr6?: Uint8Array, daddr6?: Uint8Array) => void;

export function nativeCookies(native: Native, key: Uint8Array, base: number, count: number): CookieFn {
  return (saddr, daddr, sport, dport, n, isnOut, slotOut, families, saddr6, daddr6) =>
    native.cookies(key, base, count, saddr, daddr, sport, dport, n, isnOut, slotOut, families, saddr6, daddr6);
}

export function referenceCookies(key: Uint8Array, base: number, count: number): CookieFn {
  return (saddr, daddr, sport, dport, n, isnOut, slotOut, families, saddr6, daddr6) => {
    for (let i = 0; i < n; i++) {
      if (families && families[i] === 6) {
        const s = saddr6!.subarray(16 * i, 16 * i + 16), d = daddr6!.subarray(16 * i, 16 * i + 16);
        const slot = checkSourcePort6(key, s, d, dport[i], sport[i], base, count);
        slotOut[i] = slot;
        isnOut[i] = slot < 0 ? 0 : isn6(key, s, d, sport[i], dport[i]);
        continue;
      }
      const slot = checkSourcePort(key, saddr[i], daddr[i], dport[i], sport[i], base, count);
      slotOut[i] = slot;
      isnOut[i] = slot < 0 ? 0 : isn(key, saddr[i], daddr[i], sport[i], dport[i]);
    }
  };
}
