// blast's side of a UDP target (proto "udp"): checked as a TCP target is, then given the ring slot
// of its port's payload (shared/udp/plan.ts), marked so the send loop takes it to sendUdp.
import type { AnyRecord } from '../records';
import { SLOTS } from '../cookie';
import { UDP_RING_MARK, UdpPlan } from '../udp/plan';
import { ParsedTarget, parseTarget } from './targets';

/** The ring slots of every UDP port (UDP_RING_MARK | payload slot), computed once. */
export function udpRingSlots(plan: UdpPlan): Uint8Array {
  const out = new Uint8Array(65536);
  for (let p = 1; p < 65536; p++) out[p] = UDP_RING_MARK | plan.slotForPort(p);
  return out;
}

/** A UDP target: as parseTarget (address, port 1-65535, i), refused when the source port range
 *  cannot carry the payload's slot (fewer than 16 ports: catch could not tell which payload an
 *  answer is to). Fills out (0) or returns the error message. */
export function parseUdpTarget(rec: AnyRecord, out: ParsedTarget, sportCount: number, allowSpecial = false): string | 0 {
  if (sportCount < SLOTS) return `a "udp" target needs a --source-port range of at least ${SLOTS} ports (the payload's slot is in the port): not sent`;
  return parseTarget({ ...rec, proto: undefined }, out, allowSpecial);
}
