// Probe code (slot 0..15 carried in our source port, plus 16 * variant on the jarm slot) -> the
// JSON text that follows "probe": in segment records, read from the probe registry
// (shared/probes) and computed once: the name, and for the jarm slot the variant as a field of
// its own ("jarm","probe_variant":3). A slot no probe holds is written as "slotN".
import { CODES_IN_USE, VARIANT_SLOT, slotOfCode, variantOfCode } from '../cookie';
import { probeNameOfSlot } from '../probes';

let names: string[] | null = null;

export function probeNamesJson(): string[] {
  if (!names) {
    names = Array.from({ length: CODES_IN_USE }, (_, c) => {
      const s = slotOfCode(c);
      const name = JSON.stringify(probeNameOfSlot(s) ?? `slot${s}`);
      if (s === VARIANT_SLOT) return `${name},"probe_variant":${variantOfCode(c)}`;
      return c === s ? name : JSON.stringify(`slot${s}`);   // never keyed: checkSourcePort gives codes >= 16 on the jarm slot only
    });
  }
  return names;
}
