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

interface Entry extends Added { probe: string | null; port: number }

export class BannerMemo {
  private map = new Map<string, Entry[]>();
  private bytes = 0;
  private entries = 0;
  readonly counts = { hits: 0, misses: 0, dropped: 0 };
  constructor(private maxEntries = MEMO_ENTRIES, private maxBytes = MEMO_BYTES) {}

  get(data: string, probe: string | null, port: number): Added | undefined {
    const list = this.map.get(data);
    if (list) for (const e of list) if (e.probe === probe && e.port === port) { this.counts.hits++; return e; }
    this.counts.misses++;
    return undefined;
  }

  set(data: string, probe: string | null, port: number, a: Added): void {
    if (data.length > MEMO_MAX_DATA) return;
    const size = entrySize(data, a);
    while (this.map.size > 0 && (this.entries >= this.maxEntries || this.bytes + size > this.maxBytes)) {
      const [k, l] = this.map.entries().next().value as [string, Entry[]];
      this.map.delete(k);
      for (const e of l) this.bytes -= entrySize(k, e);
      this.entries -= l.length;
      this.counts.dropped += l.length;
    }
    const e: Entry = { ...a, probe, port };
    const list = this.map.get(data);
    if (list) list.push(e); else this.map.set(data, [e]);
    this.bytes += size;
    this.entries++;
  }
}
