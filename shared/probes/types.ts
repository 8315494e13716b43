// The one shape every probe module has, and the settings a payload builder may read.

/** A payload template: blast sends before + the target's dotted address + after when `after`
 *  is present (native Sender.setProbe), or just `before` when it is absent. `fix`: offsets in
 *  `before` of big-endian u16 lengths the address's length is added to (a TLS server_name);
 *  `bare`: an IPv6 address without its brackets. */
export interface ProbePayload { before: Uint8Array; after?: Uint8Array; fix?: number[]; bare?: boolean }

/** User settings that shape payloads (from PROBE_OPTIONS, see options.ts). */
export interface ProbeConfig {
  httpMethod: string;
  httpUrl: string;
  httpHeaders: string[];      // "Name: value", override defaults of the same name
  httpUserAgent: string;
  httpHost?: string;          // fixed Host header; default is the target's address
  sni?: string;               // TLS server_name; none by default (IP literals are not allowed)
  key?: Uint8Array;           // the scan key: the tls probe's ClientHello is derived from it
  redisCommand: 'info' | 'ping';
  memcachedCommand: 'version' | 'stats';
}

export interface Probe {
  name: string;               // what --probe takes and what catch writes in banner records
  slot: number;               // 0..14, fixed: the probe identity carried in the source port
  /** Several payloads, each its own connection (jarm: 10 on slot 13, shared/cookie.ts VARIANTS);
   *  payload(cfg, v) builds variant v. Absent: one. */
  variants?: number;
  description: string;        // one line for blast's and scan's --help (probeHelp)
  ports: number[];            // ports this probe is the default for (trawl-probes(7) is checked against them)
  services: string[];         // parser names (shared/parsers) of the answers expected: tests check every
                              // fixture's service against its probe's list
  payload(cfg: ProbeConfig, variant?: number): ProbePayload;
  /** A probe that carries a host name (the TLS server_name, the HTTP Host): its payload for a
   *  target record's `name` (trawl.7), which takes the place of --sni and --http-host for that
   *  target. blast builds it when the target's reply request comes (shared/blast/names.ts), and
   *  banners, which reads the name from blast's sent record, builds the same bytes. Absent: the
   *  probe sends the same bytes whatever the target's name. A probe whose first payload does
   *  not carry the name (starttls: nothing; the name goes in the hello after STARTTLS) returns
   *  its payload as it is: blast still writes the sent record that tells banners the name.
   *  variant: as in payload (jarm's ten hellos). */
  named?(cfg: ProbeConfig, name: string, variant?: number): ProbePayload;
  /** A probe whose protocol needs a second message (the HTTP request inside TLS, STARTTLS...):
   *  the conversation of one connection to the target `ip` and `port`, which banners feeds the server's
   *  stream as it is reassembled and whose messages it asks blast to send (trawl.7
   *  CONVERSATIONS). Absent: the probe is the only thing we send. */
  converse?(cfg: ProbeConfig, ip: string, port: number): Talker;
}

/** One connection's side of a conversation, as a function of the server's bytes alone. */
export interface Talker {
  /** The next bytes of the server's stream, in order from its first; returns what to send now
   *  (null: nothing yet). */
  push(bytes: Uint8Array): Uint8Array | null;
  /** True once it will never send again: its state can go. */
  readonly done: boolean;
  /** Why it stopped without its message (a version or suite it cannot finish), if it did. */
  readonly failed?: string;
  /** After its last message, a talker may go on reading the stream (TLS: the response, with the
   *  keys it already has), so that the banner's parse takes `read` instead of doing the handshake
   *  again. Absent: nothing to follow. */
  follow?(bytes: Uint8Array): void;
  readonly read?: unknown;
  /** Bytes it keeps of its own (buffered handshake, decrypted response): the reassembly table
   *  counts them against --max-bytes with the stream's. Absent: none worth counting. */
  readonly heldBytes?: number;
}

/** cfg for one target of a host name: the name is its SNI and its Host (over --sni, --http-host). */
export function namedConfig(cfg: ProbeConfig, name: string): ProbeConfig {
  return { ...cfg, sni: name, httpHost: name };
}

/** The bytes of an ASCII/Latin-1 string. */
export function ascii(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'latin1'));
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Splits a text template at its single "{ip}" placeholder. */
export function templateAt(text: string): ProbePayload {
  const i = text.indexOf('{ip}');
  if (i < 0) return { before: ascii(text) };
  return { before: ascii(text.slice(0, i)), after: ascii(text.slice(i + 4)) };
}
