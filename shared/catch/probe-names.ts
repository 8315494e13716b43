// Probe slot (0..15, carried in our source port) -> probe name for banner records. The catalog
// in shared/probes fixes each probe's slot; this reads it when it is there and otherwise falls
// back to the same fixed table, so catch never depends on a module being loaded.
const FIXED: string[] = ['null', 'http', 'tls', 'redis', 'memcached', 'rdp', 'postgres', 'smb', 'mqtt', 'amqp',
  'slot10', 'slot11', 'slot12', 'slot13', 'slot14', 'user'];

interface ProbeLike { name: string; slot: number }

function fromCatalog(): string[] | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const mod = require('../probes') as Record<string, unknown>;
    const list = Object.values(mod).find((v): v is ProbeLike[] =>
      Array.isArray(v) && v.length > 0 && v.every((p) => p && typeof p.name === 'string' && typeof p.slot === 'number'));
    if (!list) return null;
    const names = FIXED.slice();
    for (const p of list) if (p.slot >= 0 && p.slot < 16) names[p.slot] = p.name;
    return names;
  } catch {
    return null;
  }
}

let names: string[] | null = null;

/** JSON-ready names per slot (quoted strings), computed once. */
export function probeNamesJson(): string[] {
  if (!names) names = fromCatalog() ?? FIXED;
  return names.map((n) => JSON.stringify(n));
}
