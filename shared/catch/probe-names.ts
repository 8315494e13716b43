// Probe slot (0..15, carried in our source port) -> probe name for banner records, from the
// probe catalog (shared/probes, probeNameOfSlot), as JSON-ready strings computed once. The
// catalog is loaded lazily and a fixed copy of its slot table stands in if it cannot load, so
// a problem there never stops catch from reporting.
const FIXED = ['null', 'http', 'tls', 'redis', 'memcached', 'rdp', 'postgres', 'smb', 'mqtt', 'amqp'];

let names: string[] | null = null;

function catalogName(slot: number): string | undefined {
  try {
    return (require('../probes') as typeof import('../probes')).probeNameOfSlot(slot);
  } catch {
    return slot === 15 ? 'user' : FIXED[slot];
  }
}

export function probeNamesJson(): string[] {
  if (!names) names = Array.from({ length: 16 }, (_, s) => JSON.stringify(catalogName(s) ?? `slot${s}`));
  return names;
}
