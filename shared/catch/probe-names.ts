// Probe code (slot 0..15 carried in our source port, plus 16 * variant on the jarm slot) -> the
// JSON text that follows "probe": in segment records, read from the probe registry
// (shared/probes) and computed once: the name, and for the jarm slot the variant as a field of
// its own ("jarm","probe_variant":3). A slot no probe holds is written as "slotN".
// The registry is loaded at the first segment, not at start: a SYN scan never needs it, and
// with it (the TLS client, JARM's hellos, the UDP payloads: 40 modules) an idle catch's RSS was
// 1.1 MB larger (V8's heap).
import { CODES_IN_USE, VARIANT_SLOT, slotOfCode, variantOfCode } from '../cookie';

/** Per probe code: its name as JSON, whether the server speaks first (null probe: its
 *  greeting's end is an end), and whether the first data ends the connection (jarm). */
export interface ProbeSlots { names: string[]; nullSlot: boolean[]; oneRead: boolean[] }

let slots: ProbeSlots | null = null;

export function probeSlots(): ProbeSlots {
  if (!slots) {
    const { probeNameOfSlot } = require('../probes') as typeof import('../probes');
    const names = Array.from({ length: CODES_IN_USE }, (_, c) => {
      const s = slotOfCode(c);
      const name = JSON.stringify(probeNameOfSlot(s) ?? `slot${s}`);
      if (s === VARIANT_SLOT) return `${name},"probe_variant":${variantOfCode(c)}`;
      return c === s ? name : JSON.stringify(`slot${s}`);   // never keyed: checkSourcePort gives codes >= 16 on the jarm slot only
    });
    slots = {
      names,
      nullSlot: names.map((n) => n === '"null"'),
      // The reference jarm reads one recv() of the answer and closes, so the first data ends
      // the connection (the ten connections of a port hold a server no longer than that).
      oneRead: names.map((_, c) => slotOfCode(c) === VARIANT_SLOT),
    };
  }
  return slots;
}
