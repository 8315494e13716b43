// What catch counts: packets by outcome. Every packet read lands in exactly one bucket, so
// received = the sum of all of them, and the summary can say why each one was dropped.
export class Counters {
  received = 0;
  // records written
  open = 0; closed = 0; unreachable = 0; banner = 0;
  // valid but no record: a retransmitted SYN-ACK (answer again), a second connection's SYN-ACK
  // (probe again), a reset after our probe, data after the reported banner (reset again)
  reanswer = 0; reprobe = 0; reset = 0; more_data = 0;
  // rejected
  malformed = 0;      // truncated or inconsistent headers, bad IP checksum
  fragment = 0;       // IP fragments
  not_ip = 0;         // other ethertypes, ARP other than requests
  other = 0;          // UDP, ICMP other than unreachable, our own SYNs, flags we do not act on
  not_ours = 0;       // addressed to another host
  wrong_port = 0;     // destination port outside our range or not the keyed one
  bad_cookie = 0;     // acknowledgment (or quoted seq) does not match the cookie
  no_data = 0;        // pure ACK, FIN without data, data with flags outside the allowlist
  duplicate = 0;      // retransmissions inside the dedup window
  arp = 0;            // ARP requests seen (answered ones counted in arp_replies)
  arp_replies = 0;
  ns = 0;             // IPv6 Neighbor Solicitations seen (answered ones counted in na_replies)
  na_replies = 0;
  // reply requests to blast
  requests = 0; requests_dropped = 0;

  get valid(): number { return this.open + this.closed + this.unreachable + this.banner + this.reanswer + this.reprobe + this.reset + this.more_data; }
  get rejected(): number {
    return this.malformed + this.fragment + this.not_ip + this.other + this.not_ours + this.wrong_port +
      this.bad_cookie + this.no_data + this.duplicate;
  }
}

export const REJECT_REASONS = ['malformed', 'fragment', 'not_ip', 'other', 'not_ours', 'wrong_port', 'bad_cookie',
  'no_data', 'duplicate'] as const;
