// The record schema of the whole pipeline (documented in man/trawl.7). Keys are flat snake_case,
// numbers are numbers, times are integer microseconds since the Unix epoch, bytes are base64.
export interface AnyRecord { type: string; [key: string]: unknown }

export interface TargetRecord { type: 'target'; ip: string; port: number; i: number }

// Fields common to every record decoded from a reply packet.
export interface ReplyBase {
  ip: string;            // the target that answered
  port: number;          // the target's port
  sport: number;         // our source port the reply was addressed to
  time_us: number;       // capture time
  ttl: number;
  validated?: false;     // present (false) only under catch --no-validate
}

export interface OpenRecord extends ReplyBase {
  type: 'open';
  window: number;
  ipid: number;
  mss?: number;
  wscale?: number;
  sack_ok?: boolean;
  tsval?: number;
  options: string;       // option kinds in order, e.g. "mss,sack,ts,nop,ws"
  zero_window?: true;
}

export interface ClosedRecord extends ReplyBase { type: 'closed'; window: number; ipid: number }

export interface UnreachableRecord {
  type: 'unreachable';
  ip: string; port: number; sport: number;   // from the quoted SYN
  from: string;          // the router or host that sent the ICMP error
  icmp_type: number; icmp_code: number;
  ttl: number; time_us: number; validated?: false;
}

export interface BannerRecord extends ReplyBase {
  type: 'banner';
  probe: string;         // name of the probe that elicited it ("null" for server-first)
  data: string;          // payload bytes, base64, exactly as captured up to --max-banner
  len: number;           // payload length on the wire
  truncated?: true;      // data holds fewer than len bytes
  flags: string;         // TCP flags of the segment, e.g. "PA", "FPA", "A"
  service?: string;      // added by trawl banners, with <service>_<field> keys beside it
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
