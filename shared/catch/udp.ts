// catch's side of UDP (proto udp targets): answers and ICMP errors quoting our datagrams, each
// validated from the packet and the key alone, as blast keyed it (shared/udp/plan.ts,
// native/src/frame-udp.h; the bits per protocol are in trawl.7 UDP VALIDATION):
//   datagram to our address and keyed port   the port names the payload's slot (checkSourcePort
//   from the target's port                   over the tuple, as a SYN-ACK's); a payload with an
//                                            echoed field must carry the cookie's low bits there
//                                            (module.echoed()): open {proto udp, probe, data}
//   ICMP port unreachable (type 3 code 3,    the quoted datagram's source is ours, its source port
//   ICMPv6 type 1 code 4) quoting it         the keyed one, and the quoted payload's id field (when
//                                            quoted) the cookie's: closed {proto udp}
//   any other destination unreachable        the same checks: unreachable {proto udp, from,
//                                            icmp_type, icmp_code}
// Everything else is counted (not_ours, wrong_port, bad_cookie, duplicate) and dropped. One record
// per target, port and kind in the dedup window (an answer to a repeat, --attempts, is a
// duplicate). Without validation (--no-validate) nothing here can tell our answers from any
// other UDP: they are counted as other.
import { checkSourcePort, checkSourcePort6, isn, isn6, SLOTS } from '../cookie';
import { Decoded } from '../packet/decode';
import { idBits, UdpModule, UdpPayload } from '../udp/types';
import { UDP_PAYLOADS } from '../udp/registry';
import { udpNameOfSlot, DEFAULT_SNMP_COMMUNITY } from '../udp/plan';
import { Counters } from './counters';
import { DEDUP_NEW, DedupWindow } from './dedup';
import { RecordsOut } from './records-out';

// Dedup kinds of UDP records (the engine's TCP ones are 0..5): a TCP and a UDP record of one
// port, whose keyed source ports may be equal, never meet.
const DK_UDP_OPEN = 8, DK_UDP_CLOSED = 9, DK_UDP_UNREACH = 10;

/** What the engine lends: its address checks and dedup windows (the IPv6 one made on demand). */
export interface UdpHost {
  ours(a: number): boolean;
  ours6(b: Uint8Array, off: number): boolean;
  dedup: DedupWindow;
  dedup6(): DedupWindow;
}

interface SlotInfo { module: UdpModule | null; sent: UdpPayload | null; name: string }

export class UdpCatch {
  private slots: (SlotInfo | null)[] = [];
  private names: string[] = [];
  private icmpFrom = new Uint8Array(16);

  constructor(private key: Uint8Array, private base: number, private count: number, private c: Counters,
    private out: RecordsOut, private host: UdpHost) {
    for (let s = 0; s < SLOTS; s++) {
      const name = udpNameOfSlot(s);
      if (name === undefined) { this.slots.push(null); this.names.push(''); continue; }
      const module = UDP_PAYLOADS.find((m) => m.slot === s) ?? null;
      // The payload as sent, for the id field of a quoted datagram (the SNMP ones are read by
      // their BER, whatever the community's length: echoed() parses requests too).
      this.slots.push({ module, sent: module ? module.payload({ snmpCommunity: DEFAULT_SNMP_COMMUNITY }) : null, name });
      this.names.push(JSON.stringify(name));
    }
  }

  // The slot blast keyed into our port for this tuple (ours -> target:tport from oport), or -1.
  private slot(v6: boolean, ours: number, target: number, b: Uint8Array, ours6: number, target6: number, tport: number, oport: number): number {
    if ((oport - this.base) >>> 0 >= this.count) return -1;
    const s = v6 ? checkSourcePort6(this.key, b.subarray(ours6, ours6 + 16), b.subarray(target6, target6 + 16), tport, oport, this.base, this.count)
      : checkSourcePort(this.key, ours, target, tport, oport, this.base, this.count);
    // No UDP payload in the slot (or a jarm variant's code): blast sent nothing from this port.
    return s >= 0 && s < SLOTS && this.slots[s] !== null ? s : -1;
  }

  private cookie(v6: boolean, ours: number, target: number, b: Uint8Array, ours6: number, target6: number, oport: number, tport: number): number {
    return v6 ? isn6(this.key, b.subarray(ours6, ours6 + 16), b.subarray(target6, target6 + 16), oport, tport)
      : isn(this.key, ours, target, oport, tport);
  }

  private seen(kind: number, v6: boolean, target: number, b: Uint8Array, target6: number, port: number, sport: number): boolean {
    const ports = ((port << 16) | sport) >>> 0;
    const r = v6 ? this.host.dedup6().check6(kind, b, target6, ports, 0) : this.host.dedup.check(kind, target, ports, 0);
    return r !== DEDUP_NEW;
  }

  /** A UDP datagram (D_UDP); true when it made a record. */
  answer(d: Decoded, b: Uint8Array, time: number): boolean {
    const c = this.c, v6 = d.family === 6;
    if (v6 ? !this.host.ours6(b, d.d6) : !this.host.ours(d.daddr)) { c.not_ours++; return false; }
    const slot = this.slot(v6, d.daddr, d.saddr, b, d.d6, d.s6, d.sport, d.dport);
    if (slot < 0) { c.wrong_port++; return false; }
    const m = this.slots[slot]!.module;
    const sent = this.slots[slot]!.sent;
    if (m?.echoed && sent?.id) {
      const got = m.echoed(b.subarray(d.payOff, d.payOff + d.payCap));
      const want = idBits(this.cookie(v6, d.daddr, d.saddr, b, d.d6, d.s6, d.dport, d.sport), sent.id.len);
      if (got === null || got !== want) { c.bad_cookie++; return false; }
    }
    if (this.seen(DK_UDP_OPEN, v6, d.saddr, b, d.s6, d.sport, d.dport)) { c.duplicate++; return false; }
    c.open++; c.udp_open++;
    if (v6) this.out.v6(b, d.s6);
    this.out.udpOpen(d.saddr, d.sport, d.dport, d.ttl, this.names[slot], d.payLen,
      Buffer.from(b.buffer, b.byteOffset + d.payOff, d.payCap), time);
    return true;
  }

  /** A destination unreachable quoting a UDP datagram (D_ICMP_UDP); true when it made a record. */
  icmp(d: Decoded, b: Uint8Array, time: number): boolean {
    const c = this.c, v6 = d.family === 6;
    // The quoted datagram is ours: from our address and keyed port to the target.
    if (v6 ? !this.host.ours6(b, d.q6s) : !this.host.ours(d.qSaddr)) { c.not_ours++; return false; }
    const slot = this.slot(v6, d.qSaddr, d.qDaddr, b, d.q6s, d.q6d, d.dport, d.sport);
    if (slot < 0) { c.wrong_port++; return false; }
    const sent = this.slots[slot]!.sent;
    if (sent?.id) {
      // The quoted payload's id field must be the cookie's when the quote reaches it (Linux
      // quotes the whole datagram; RFC 792 asks for 8 bytes, after which the port alone has to
      // do). SNMP's request-id is found by its BER, wherever the community put it.
      const q = b.subarray(d.payOff, d.payOff + d.payCap), { offset, len } = sent.id, m = this.slots[slot]!.module!;
      const whole = d.payCap >= d.payLen;
      const got = m.name === 'snmp-v1' || m.name === 'snmp-v2c' ? m.echoed!(q)
        : offset + len <= q.length ? (len === 4 ? be32(q, offset) : (q[offset] << 8) | q[offset + 1]) : null;
      const want = idBits(this.cookie(v6, d.qSaddr, d.qDaddr, b, d.q6s, d.q6d, d.sport, d.dport), len);
      if (got === null ? whole : got !== want) { c.bad_cookie++; return false; }
    }
    const portUnreachable = v6 ? d.icmpCode === 4 : d.icmpCode === 3;
    if (this.seen(portUnreachable ? DK_UDP_CLOSED : DK_UDP_UNREACH, v6, d.qDaddr, b, d.q6d, d.dport, d.sport)) { c.duplicate++; return false; }
    if (portUnreachable) {
      c.closed++; c.udp_closed++;
      if (v6) this.out.v6(b, d.q6d);
      this.out.udpClosed(d.qDaddr, d.dport, d.sport, d.ttl, time);
    } else {
      c.unreachable++; c.udp_unreachable++;
      if (v6) { this.icmpFrom.set(b.subarray(d.s6, d.s6 + 16)); this.out.v6(b, d.q6d, this.icmpFrom, 0); }
      this.out.udpUnreachable(d.qDaddr, d.dport, d.sport, d.saddr, d.icmpType, d.icmpCode, d.ttl, time);
    }
    return true;
  }
}

function be32(b: Uint8Array, o: number): number { return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0; }
