// Probe slot (0..15, carried in our source port) -> probe name for banner records, read from the
// probe registry (shared/probes) and kept as JSON-ready strings computed once. A slot no probe
// holds is written as "slotN".
import { SLOTS } from '../cookie';
import { probeNameOfSlot } from '../probes';

let names: string[] | null = null;

export function probeNamesJson(): string[] {
  if (!names) names = Array.from({ length: SLOTS }, (_, s) => JSON.stringify(probeNameOfSlot(s) ?? `slot${s}`));
  return names;
}
