// Probe slot (0..15, carried in our source port) -> probe name for banner records, from the
// probe catalog (shared/probes), as JSON-ready strings computed once.
import { probeNameOfSlot } from '../probes';

let names: string[] | null = null;

export function probeNamesJson(): string[] {
  if (!names) names = Array.from({ length: 16 }, (_, s) => JSON.stringify(probeNameOfSlot(s) ?? `slot${s}`));
  return names;
}
