// What catch counts: packets by outcome. Every packet read lands in exactly one bucket, so
// received = the sum of all of them, and the summary can say why each one was dropped.
export class Counters {
  received = 0;
  // records written (repeat: the open record of a second connection on a port already reported)
  open = 0; closed = 0; unreachable = 0; segment = 0; repeat = 0;
  sent = 0;           // --no-validate: the scanner's data segments (another tool's probes)
  alive = 0;          // echo replies (proto icmp targets): alive records
  // of open, closed and unreachable: the records of UDP targets (answers, ICMP quoting our datagrams)
  udp_open = 0; udp_closed = 0; udp_unreachable = 0;
  // valid but no record: a retransmitted SYN-ACK (answer again), a segment wholly past
  // --max-banner (reset again)
  reanswer = 0; beyond_limit = 0;
  // rejected
  malformed = 0;      // truncated or inconsistent headers, bad IP checksum
  fragment = 0;       // IP fragments
  not_ip = 0;         // other ethertypes, ARP other than requests
  other = 0;          // other protocols, ICMP other than unreachable, our own SYNs, flags we do not act on,
                      // UDP under --no-validate
  not_ours = 0;       // addressed to another host
  other_address = 0;  // a SYN-ACK or RST whose cookie checks out, to an address not ours: blast
                      // sent from an address catch was not told (--source-ip)
  wrong_port = 0;     // destination port outside our range or not the keyed one
  bad_cookie = 0;     // acknowledgment (or quoted seq) does not match the cookie
  no_data = 0;        // pure ACK, data with flags outside the allowlist
  duplicate = 0;      // retransmissions inside the dedup window
  arp = 0;            // ARP requests seen (answered ones counted in arp_replies)
  arp_replies = 0;
  ns = 0;             // IPv6 Neighbor Solicitations seen (answered ones counted in na_replies)
  na_replies = 0;
  // segment records by whether the offset came with them (from the echoed timestamp)
  offset = 0; no_offset = 0;
  // reply requests to blast, by what they ask for
  requests = 0; requests_dropped = 0;
  req_probe = 0; req_ack = 0; req_rst = 0; req_rst_later = 0;

  get valid(): number { return this.open + this.closed + this.unreachable + this.segment + this.sent + this.alive + this.repeat + this.reanswer + this.beyond_limit; }
  get rejected(): number {
    return this.malformed + this.fragment + this.not_ip + this.other + this.not_ours + this.other_address + this.wrong_port +
      this.bad_cookie + this.no_data + this.duplicate;
  }
}

export const REJECT_REASONS = ['malformed', 'fragment', 'not_ip', 'other', 'not_ours', 'other_address', 'wrong_port', 'bad_cookie',
  'no_data', 'duplicate'] as const;
