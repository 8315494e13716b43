// The one shape of a UDP payload module: the datagram blast sends to a port, where the scan's
// cookie goes in it, and where the server's answer carries it back (catch checks it; trawl.7 UDP
// lists the bits each protocol adds to the keyed source port's).
//
// UDP modules have their own slots (0..14; 15 is the user's --udp-payloads file), carried in the
// source port exactly as TCP probes' are (shared/cookie.ts): a UDP reply is never read as a TCP
// one, so the two registries do not share numbers.

/** Settings a UDP payload may read (blast's and scan's options). */
export interface UdpConfig {
  snmpCommunity: string;      // --snmp-community, default 'public'
}

/** The cookie's place in a datagram: its low `len` bytes, big-endian, at `offset`. The cookie is
 *  the 32-bit value shared/cookie.ts isn() gives for the UDP tuple (saddr, daddr, sport, dport). */
export interface IdField { offset: number; len: 2 | 4 }

export interface UdpPayload {
  bytes: Uint8Array;          // the payload, its id field (if any) zero
  id?: IdField;               // absent: nothing is echoed, the answer is checked by the port alone
}

export interface UdpModule {
  name: string;               // what --probe U:PORT:NAME takes and catch writes as `probe`
  slot: number;               // 0..14, fixed: the payload's identity carried in the source port
  description: string;        // one line for --help
  ports: number[];            // ports this payload is the default for
  services: string[];         // parser names (shared/parsers) of the answers expected
  payload(cfg: UdpConfig): UdpPayload;
  /** The cookie bits an answer carries back (as many as the IdField holds), or null when the
   *  answer is too short or not this protocol's. Absent when payload() has no id. */
  echoed?(answer: Uint8Array): number | null;
}

/** The cookie's low `len` bytes as a number (what echoed() must return for a true answer). */
export function idBits(cookie: number, len: 2 | 4): number {
  return len === 4 ? cookie >>> 0 : cookie & 0xffff;
}
