// The server's ISN carried in our TCP timestamp, so catch knows where each segment lies in the
// response without keeping anything: the ACK+probe's TSval encodes the server's ISN (which catch
// reads from the SYN-ACK), the server stores it as TS.Recent and echoes it as TSecr in every
// segment it sends (RFC 7323), and catch decodes it back to the offset seq - ISN - 1.
//
//   TSval = SYN_TSVAL + v        v = check << 22 | (server ISN mod 2^22)     (31 bits: v < 2^31)
//   check = 1 + (mix(our ISN, ISN mod 2^22) mod 511)                           (1..511, never 0)
//
// Why this shape:
// - PAWS (RFC 7323 5.3; Linux tcp_paws_check, FreeBSD alike) drops a segment whose TSval is below
//   TS.Recent as a 32-bit serial number, and TS.Recent starts as the SYN's TSval: so v counts up
//   from the SYN's fixed TSval by less than 2^31. Every later ACK of ours repeats the same TSval,
//   which PAWS accepts (equal is not older).
// - 22 bits of the ISN are enough: catch resets a connection at --max-banner (at most 2 MiB),
//   so a segment's offset is below 2^22 and the ISN is the one number congruent to the 22 bits
//   that puts seq within 2^22 bytes after it.
// - The check (9 bits, keyed through our ISN, which is a SipHash of the key) tells our echo from
//   anything else in TSecr: a middlebox that rewrites timestamps, a stack that kept the SYN's
//   TSval (v = 0 fails: check is never 0). Such segments get no offset, and banners joins them
//   through the open record's seq instead.
import { REPLY_SYN_TSVAL } from '../replies';

export const OFFSET_BITS = 22;
const LOW_MASK = (1 << OFFSET_BITS) - 1;
/** Offsets from the TSecr are exact below this (catch --max-banner stays well under it). */
export const OFFSET_RANGE = 1 << OFFSET_BITS;

function check(ourIsn: number, low: number): number {
  let h = Math.imul(ourIsn ^ Math.imul(low, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16;
  return 1 + ((h >>> 0) % 511);
}

/** The TSval that carries the server's ISN on the connection whose (keyed) ISN of ours is ourIsn. */
export function tsStamp(serverIsn: number, ourIsn: number): number {
  const low = serverIsn & LOW_MASK;
  return (REPLY_SYN_TSVAL + ((check(ourIsn, low) << OFFSET_BITS) | low)) >>> 0;
}

/** The offset of the segment at seq in the server's stream, from the TSecr it carried; -1 when
 *  the TSecr is not our stamp. */
export function tsOffset(tsecr: number, seq: number, ourIsn: number): number {
  const v = (tsecr - REPLY_SYN_TSVAL) >>> 0;
  if (v >= 0x80000000) return -1;
  const low = v & LOW_MASK;
  if (v >>> OFFSET_BITS !== check(ourIsn, low)) return -1;
  return ((seq - 1 - low) >>> 0) & LOW_MASK;
}
