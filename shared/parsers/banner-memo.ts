// A bounded memo of what banners adds to a banner record, by its data, probe and port: many hosts
// send the same bytes (an OpenSSH or vsftpd greeting, a vendor's default page or certificate), and
// the fields of the same bytes are the same (the parsers and nmap's rules read nothing else), so
// the parsers, nmap's rules and the JSON of the added fields run once per distinct answer.
//
// Bounded by entries and by bytes (the data strings, the added fields and their JSON); the oldest entry
// goes first; drops are counted. Only records whose fields depend on nothing but these are memoised
// (enrichBanner decides: no --key-file secrets, no starttls split, no sent_data or cert_der).

export const MEMO_ENTRIES = 2048;
export const MEMO_BYTES = 8 * 1024 * 1024;
/** Longer answers are parsed every time (they are rarely repeated, and cost their size to hash). */
export const MEMO_MAX_DATA = 16 * 1024;

// An entry's bytes: its key, and its fields twice (the values, and their JSON in tail).
const entrySize = (data: string, a: Added) => data.length + 2 * a.tail.length;

export interface Added {
  /** The keys and values enrichBanner put after the record's own, in order. */
  added: Record<string, unknown>;
  /** JSON.stringify(added) without its braces, after a comma: appended to the record's line. */
  tail: string;
  /** nmap's give-ups and RE2.Set failures this answer cost (counted again on every hit). */
  gaveUp: number;
  setFailures: number;
}

interface Entry extends Added { data: string; probe: string | null; port: number }

// Entries are found by a hash of the data's length and 24 of its characters, then compared whole:
// a Map keyed by the data string itself hashed every banner's whole base64 (a tenth of banners'
// time without nmap's rules), where comparing equal strings costs a memcmp. Answers alike in
// those characters (one server's pages differing in a Date) share a key: at most PER_KEY of them
// are kept, the oldest going first, so a lookup compares at most that many strings.
const SAMPLES = 16, TAIL = 8, PER_KEY = 8;

/** FNV-1a of the length, SAMPLES characters spread over data and its last TAIL. */
export function sampleHash(data: string): number {
  const n = data.length;
  let h = Math.imul(0x811c9dc5 ^ n, 0x01000193);
  if (n === 0) return h >>> 0;
  for (let i = 0; i < SAMPLES; i++) h = Math.imul(h ^ data.charCodeAt(Math.floor((i * n) / SAMPLES)), 0x01000193);
  for (let i = Math.max(0, n - TAIL); i < n; i++) h = Math.imul(h ^ data.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class BannerMemo {
  private map = new Map<number, Entry[]>();
  private bytes = 0;
  private entries = 0;
  readonly counts = { hits: 0, misses: 0, dropped: 0 };
  constructor(private maxEntries = MEMO_ENTRIES, private maxBytes = MEMO_BYTES) {}

  get(data: string, probe: string | null, port: number): Added | undefined {
    const list = data.length <= MEMO_MAX_DATA ? this.map.get(sampleHash(data)) : undefined;
    if (list) for (const e of list) if (e.port === port && e.probe === probe && e.data === data) { this.counts.hits++; return e; }
    this.counts.misses++;
    return undefined;
  }

  set(data: string, probe: string | null, port: number, a: Added): void {
    if (data.length > MEMO_MAX_DATA) return;
    const size = entrySize(data, a);
    while (this.map.size > 0 && (this.entries >= this.maxEntries || this.bytes + size > this.maxBytes)) {
      const [k, l] = this.map.entries().next().value as [number, Entry[]];
      this.map.delete(k);
      for (const e of l) this.drop(e);
    }
    const e: Entry = { ...a, data, probe, port };
    const key = sampleHash(data);
    const list = this.map.get(key);
    if (!list) this.map.set(key, [e]);
    else {
      if (list.length >= PER_KEY) this.drop(list.shift()!);
      list.push(e);
    }
    this.bytes += size;
    this.entries++;
  }

  private drop(e: Entry): void {
    this.bytes -= entrySize(e.data, e);
    this.entries--;
    this.counts.dropped++;
  }
}
