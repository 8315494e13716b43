// The record schema of the whole pipeline as one table (man/trawl.7 documents it; a test checks
// the two agree). Its order is the order of keys everywhere: catch writes its records in it, fmt
// normalizes to it, trawl.7 lists the fields in it. A new field or record type is a row here
// (and a line in trawl.7); keys that are not in the table (parsers' service_field keys) follow
// the table's in alphabetical order when fmt normalizes.
//
// Conventions (STYLE.md 6): a `type` on every record, flat snake_case keys, numbers as numbers,
// times as integer microseconds since the Unix epoch, raw bytes as base64.
export interface AnyRecord { type: string; [key: string]: unknown }

export const RECORD_TYPES = ['target', 'shard', 'walk', 'open', 'closed', 'unreachable', 'segment', 'sent', 'banner', 'alive'] as const;
export type RecordType = typeof RECORD_TYPES[number];

// Who writes a field: a trawl command (targets: also scan --shard's shard record), or another
// tool whose output trawl reads (fmt shows it). 'reassembly' is banners writing a banner record's
// own fields when it joins segments into one; 'banners' its service fields, added to any banner;
// 'blast' the unreachable records of on-link targets whose address never answered ARP/NDP, and
// the alive records of its ARP/NDP scan (arp targets, --arp); catch writes those of echo replies (--ping).
// blast also writes a sent record (catch's fields) for each probe it built for a named target.
type Writer = 'targets' | 'blast' | 'catch' | 'reassembly' | 'banners' | 'other';

// JSON value kinds: 'strings' is one string or a list of them; 'name' a string or null.
interface Kinds { string: string; number: number; boolean: boolean; strings: string | string[]; name: string | null }

interface FieldSpec {
  readonly name: string;
  readonly kind: keyof Kinds;
  readonly in: readonly RecordType[];
  readonly by: Writer;
}

const REPLIES = ['open', 'closed', 'unreachable', 'segment', 'banner'] as const;
// What catch writes of a capture: the replies, and (--no-validate) the bytes the scanner sent.
const CAPTURED = [...REPLIES, 'sent'] as const;
const ADDRESSED = ['target', ...CAPTURED] as const;
// A host that answered an ICMP echo request (catch) or an ARP request / Neighbor Solicitation (blast, arp targets).
const ALIVE = ['alive'] as const;

export const FIELDS = [
  { name: 'type', kind: 'string', in: RECORD_TYPES, by: 'catch' },
  { name: 'ip', kind: 'string', in: [...ADDRESSED, ...ALIVE], by: 'catch' },
  { name: 'port', kind: 'number', in: ADDRESSED, by: 'catch' },
  // tcp when absent; targets writes udp, icmp and arp, catch udp on the replies to UDP targets (trawl.7 proto).
  { name: 'proto', kind: 'string', in: ['target', ...REPLIES, ...ALIVE], by: 'other' },
  { name: 'sport', kind: 'number', in: CAPTURED, by: 'catch' },
  { name: 'our_ip', kind: 'string', in: ['segment'], by: 'catch' },
  { name: 'i', kind: 'number', in: ['target'], by: 'targets' },
  // A target's host name (its TLS SNI and HTTP Host, shared/targets/name.ts): on the target, on
  // blast's sent record of the probe built for it, and on the banner of its answer.
  { name: 'name', kind: 'string', in: ['target', 'sent', 'banner'], by: 'targets' },
  { name: 'seed', kind: 'string', in: ['shard', 'walk'], by: 'targets' },
  { name: 'plan', kind: 'string', in: ['shard', 'walk'], by: 'targets' },
  { name: 'shard', kind: 'number', in: ['shard', 'walk'], by: 'targets' },
  { name: 'shards', kind: 'number', in: ['shard', 'walk'], by: 'targets' },
  { name: 'resume_index', kind: 'number', in: ['shard', 'walk'], by: 'targets' },
  { name: 'targets', kind: 'number', in: ['shard', 'walk'], by: 'targets' },
  { name: 'total', kind: 'number', in: ['shard', 'walk'], by: 'targets' },
  // A walk record's address set and port keys, for blast to expand (shared/targets/walk.ts).
  { name: 'ranges', kind: 'strings', in: ['walk'], by: 'targets' },
  { name: 'ports', kind: 'string', in: ['walk'], by: 'targets' },
  { name: 'from', kind: 'string', in: ['unreachable'], by: 'catch' },
  { name: 'icmp_type', kind: 'number', in: ['unreachable'], by: 'catch' },
  { name: 'icmp_code', kind: 'number', in: ['unreachable'], by: 'catch' },
  { name: 'reason', kind: 'string', in: ['unreachable'], by: 'blast' },
  { name: 'ttl', kind: 'number', in: [...CAPTURED, ...ALIVE], by: 'catch' },
  // alive: the echo's round-trip time (from the send time its payload carries back), and an
  // ARP/NDP answer's MAC and the MAC's vendor (the IEEE OUI list of Debian's ieee-data).
  { name: 'rtt_us', kind: 'number', in: ALIVE, by: 'catch' },
  { name: 'mac', kind: 'string', in: ALIVE, by: 'blast' },
  { name: 'vendor', kind: 'string', in: ALIVE, by: 'blast' },
  { name: 'window', kind: 'number', in: ['open', 'closed'], by: 'catch' },
  { name: 'ipid', kind: 'number', in: ['open', 'closed'], by: 'catch' },
  { name: 'tsval', kind: 'number', in: ['open', 'segment'], by: 'catch' },
  { name: 'tsecr', kind: 'number', in: ['segment'], by: 'catch' },
  { name: 'mss', kind: 'number', in: ['open'], by: 'catch' },
  { name: 'wscale', kind: 'number', in: ['open'], by: 'catch' },
  { name: 'sack_ok', kind: 'boolean', in: ['open'], by: 'catch' },
  { name: 'options', kind: 'string', in: ['open'], by: 'catch' },
  { name: 'zero_window', kind: 'boolean', in: ['open'], by: 'catch' },
  // open: a UDP answer (proto udp) names its payload and carries the datagram (len, truncated, data).
  { name: 'probe', kind: 'name', in: ['open', 'segment', 'sent', 'banner'], by: 'catch' },
  // The jarm probe's ten hellos, one connection each: which one this is (0..9, from the source port).
  { name: 'probe_variant', kind: 'number', in: ['segment', 'banner'], by: 'catch' },
  { name: 'seq', kind: 'number', in: ['open', 'segment', 'sent'], by: 'catch' },
  { name: 'ack', kind: 'number', in: ['segment', 'sent'], by: 'catch' },
  { name: 'repeat', kind: 'boolean', in: ['open'], by: 'catch' },
  { name: 'offset', kind: 'number', in: ['segment'], by: 'catch' },
  { name: 'len', kind: 'number', in: ['open', 'segment', 'sent', 'banner'], by: 'catch' },
  { name: 'truncated', kind: 'boolean', in: ['open', 'segment', 'sent', 'banner'], by: 'catch' },
  { name: 'complete', kind: 'boolean', in: ['banner'], by: 'reassembly' },
  { name: 'gaps', kind: 'number', in: ['banner'], by: 'reassembly' },
  { name: 'gap_ranges', kind: 'string', in: ['banner'], by: 'reassembly' },
  { name: 'segments', kind: 'number', in: ['banner'], by: 'reassembly' },
  { name: 'end', kind: 'string', in: ['banner'], by: 'reassembly' },
  { name: 'conflicts', kind: 'number', in: ['banner'], by: 'reassembly' },
  { name: 'flags', kind: 'string', in: ['segment', 'sent', 'banner'], by: 'catch' },
  { name: 'data', kind: 'string', in: ['open', 'segment', 'sent', 'banner'], by: 'catch' },
  { name: 'sent_data', kind: 'string', in: ['banner'], by: 'reassembly' },
  { name: 'service', kind: 'string', in: ['banner'], by: 'banners' },
  // The service fields (trawl.7 "Service fields"): trawl banners fills them from its parsers and
  // nmap's rules; records read from nmap's or another tool's output may carry them too.
  { name: 'product', kind: 'string', in: ['banner'], by: 'banners' },
  { name: 'version', kind: 'string', in: ['banner'], by: 'banners' },
  { name: 'info', kind: 'string', in: ['banner'], by: 'banners' },
  { name: 'hostname', kind: 'string', in: ['banner'], by: 'banners' },
  { name: 'os', kind: 'string', in: ['banner'], by: 'banners' },
  { name: 'device', kind: 'string', in: ['banner'], by: 'banners' },
  { name: 'cpe', kind: 'strings', in: ['banner'], by: 'banners' },
  { name: 'cert_der', kind: 'strings', in: ['banner'], by: 'banners' },
  // banners --identify: what the answers to all the identification probes of the port decide.
  { name: 'identified_service', kind: 'string', in: ['banner'], by: 'banners' },
  { name: 'identified_by', kind: 'name', in: ['banner'], by: 'banners' },
  // The jarm probe's ten banners of a port joined into one (shared/jarm/join.ts).
  { name: 'jarm', kind: 'string', in: ['banner'], by: 'banners' },
  { name: 'jarm_raw', kind: 'string', in: ['banner'], by: 'banners' },
  { name: 'jarm_partial', kind: 'boolean', in: ['banner'], by: 'banners' },
  { name: 'jarm_missing', kind: 'string', in: ['banner'], by: 'banners' },
  { name: 'validated', kind: 'boolean', in: [...CAPTURED, ...ALIVE], by: 'catch' },
  { name: 'time_us', kind: 'number', in: [...CAPTURED, ...ALIVE], by: 'catch' },
] as const satisfies readonly FieldSpec[];

type Spec = typeof FIELDS[number];
export type FieldName = Spec['name'];
// The table's fields of record type T with their value types (all may be absent but `type`).
type TableOf<T extends RecordType> = { [S in Spec as T extends S['in'][number] ? S['name'] : never]?: Kinds[S['kind']] };
/** The names of the fields a record type may carry. */
export type FieldOf<T extends RecordType> = keyof TableOf<T> & string;
/** A record of type T: its table fields typed, any other key (parsers' fields) unknown. */
export type RecordOf<T extends RecordType> = { type: T } & TableOf<T> & { [key: string]: unknown };

/** The table's fields of one record type, in order. */
export function fieldsOf(type: RecordType): string[] {
  return FIELDS.filter((f) => (f.in as readonly string[]).includes(type)).map((f) => f.name);
}

// Keys come from input (a record's own keys, a banner's header names), so no lookup or copy may
// reach Object.prototype: `__proto__`, `constructor` or `toString` are plain keys here.

/** A record's own field, never an inherited one (rec.constructor is Object, not a field). */
export function ownField(rec: object, key: string): unknown {
  return Object.hasOwn(rec, key) ? (rec as Record<string, unknown>)[key] : undefined;
}

/** Sets a field as an own property, including `__proto__` (which assignment would treat as the prototype). */
export function setField(rec: object, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(rec, key, { value, enumerable: true, writable: true, configurable: true });
  else (rec as Record<string, unknown>)[key] = value;
}

/** A value of a fixed lookup table keyed by input: own entries only. */
export function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
