// The stateless state machine of catch (ZBanner, sections 3 and 4, carried on to whole
// responses) over one batch of captured packets: decode each one, collect the reply candidates'
// tuples in typed arrays, check their cookies in one call, then decide from the packet and the
// key alone (d = the probe bytes the server acknowledged, 0 <= d <= 1400; trawl(7)):
//   SYN-ACK, ack = ISN+1, window > 0   open {seq} + ACK carrying the probe (kind 1), its TSval
//                                      the server's ISN (ts-stamp.ts), arming the idle RST; the
//                                      same SYN-ACK again: the request again, no record; a new
//                                      server ISN: open {repeat} and the request
//                                      (--no-probe: an RST instead, kind 2)
//   SYN-ACK, ack = ISN+1, window = 0   open {zero_window} + RST (kind 2)
//   RST-ACK, ack = ISN+1, seq = 0      closed (RFC 793: the answer to a SYN has seq 0)
//   ICMP unreachable quoting our SYN   unreachable (quoted seq = ISN)
//   --no-validate: data from the       sent {seq, ack}: the other tool's own probe, from whose first
//   scanner (its SYNs named it)        bytes banners picks nmap's probe. Every one is written (to
//                                      tell the first, catch would need the SYN-ACK: state)
//   data, FIN or RST, ack = ISN+1+d    segment {seq, offset when the TSecr is our stamp} (never
//                                      with --no-probe: nothing is established), then
//       FIN (the response is whole)           RST now (kind 2)
//       a greeting's final line (null probe)  RST now (shared/greeting.ts)
//       end reaches --max-banner (offset)     RST now
//       below it (offset)                     ACK of the data (kind 3), re-arming the idle RST
//       no offset                             the idle RST re-armed (kind 4): no ACK, since
//                                             where the limit lies is unknown
//       RST                                   nothing (the server closed)
// A SYN-ACK or RST-ACK to our ports but to an address not ours has its cookie checked as if
// that address were ours (K_STRAY): when it checks out, blast sent the SYN from an address catch
// was not given, and the packet is counted as other_address (with the address) instead of
// not_ours, so that catch can say so. Everything else is counted and dropped. Records are written by records-out.ts and the
// requests as unsealed frames (shared/replies.ts), in buffers reused from batch to batch.
// IPv6 replies take the same path: a candidate's family is in cFam, its addresses in the
// 16-byte slots of cOur6/cTarget6/cFrom6 (the IPv4 arrays hold 0), the cookie call takes both
// families at once, and the dedup window of IPv6 keys on the whole address.
// ICMP echo replies (proto icmp targets) are checked one by one as they are decoded (echoReply): their
// cookie is the identifier, sequence and payload tag of shared/cookie.ts, not a port and an ISN.
// UDP answers and ICMP errors quoting our datagrams (proto udp targets) likewise, by udp.ts.
// Valid SYN-ACKs, the bulk of a scan, may come already decoded and cookie-checked from the
// native fast path (fast-path.ts): they join the candidates in their place, and their open
// record comes spelled; the decisions are the same for them as for any candidate.
import { EchoCookie, echoTime, MAX_PROBE_LEN, VARIANT_SLOT, slotOfCode } from '../cookie';
import { formatIPv4 } from '../ipv4';
import { formatIPv6, ipv6FromBytes } from '../ipv6';
import {
  encodeReply, ReplyRequest, REPLY_ACK_DATA, REPLY_ACK_PROBE, REPLY_F_TS, REPLY_MIN_FRAME, REPLY_RST, REPLY_RST_LATER,
} from '../replies';
import { D_ARP, D_ECHO, D_FRAGMENT, D_ICMP, D_ICMP_UDP, D_MALFORMED, D_NOT_IP, D_NS, D_TCP, D_UDP, Decoded, decodePacket,
  TH_ACK, TH_FIN, TH_RST, TH_SYN } from '../packet/decode';
import { findTimestamps, flagString, parseTcpOptions, TcpOptions } from '../packet/tcp-options';
import { arpReply } from '../packet/arp';
import { neighborAdvertisement } from '../packet/ndp';
import { Counters } from './counters';
import { CookieFn } from './cookies';
import type { SynAckColumns } from '../../native/index';
import { DedupCheckFn, DedupPrefetchFn, SynAckFn } from './fast-path';
import { DEDUP_CHANGED, DEDUP_NEW, DEDUP_SAME, DedupWindow } from './dedup';
import { ProbeSlots, probeSlots } from './probe-names';
import { RecordsOut } from './records-out';
import { tsOffset, tsStamp } from './ts-stamp';
import { describe, snapshot, traceLine, verdict } from './trace';
import { greetingComplete } from '../greeting';
import { UdpCatch } from './udp';

export interface ArpResponder { ip: number; count?: number; mac: Uint8Array; inject(frame: Uint8Array): void }
/** The IPv6 twin of ArpResponder: answers Neighbor Solicitations for ip6 (16 bytes). */
export interface NdpResponder { ip6: Uint8Array; count?: number; mac: Uint8Array; inject(frame: Uint8Array): void }
// count: a --source-ip range of count addresses from ip (IPv6: counted in the last 32 bits).

export interface EngineConfig {
  validate: boolean;
  ours: number[] | null;          // our addresses; null = any (the cookie decides)
  ours6?: Uint8Array[] | null;    // our IPv6 addresses (16 bytes each); null or absent = any
  ours6Count?: number;            // ours6[0] starts a --source-ip range of this many (last 32 bits)
  sportBase: number;
  sportCount: number;
  portFilter: boolean;            // drop replies to ports outside the range before anything else
  maxBanner: number;              // bytes of a response: ACKed up to here, reset when reached
  dedupWindow: number;
  cookies: CookieFn | null;       // required when validate
  replies: boolean;               // produce reply requests for blast
  probe: boolean;                 // answer a SYN-ACK with the probe (false: with an RST)
  rst: boolean;                   // ask for RSTs at all (false: ZMap's way, the servers time out)
  idleMs: number;                 // a connection's RST waits this long after its last segment
  arp: ArpResponder | null;
  ndp?: NdpResponder | null;
  echo?: EchoCookie | null;       // the key's echo cookie (required to validate echo replies)
  udpKey?: Uint8Array | null;     // the key, to validate UDP answers (catch/udp.ts); absent: UDP is other
  trace?: (line: string) => void;   // --packet-trace: a line per packet (shared/catch/trace.ts)
  synAcks?: SynAckFn | null;      // the native fast path for valid SYN-ACKs (fast-path.ts; validate only)
  dedupPrefetch?: DedupPrefetchFn | null;   // prefetches the duplicate window's slots of a batch (fast-path.ts)
  dedupCheck?: DedupCheckFn | null;         // the IPv4 window's checks of a batch in native code (fast-path.ts)
}

/** Window slack past --max-banner: one segment (our SYN says MSS 1460), so that a server whose
 *  sender-side silly-window avoidance holds back a partial segment still crosses the limit. */
export const WINDOW_SLACK = 1460;
const MAX_WINDOW = 65535;         // no window scaling: shift 0 in our SYN (native/src/frame.h)

// The fast path's columns of one value an entry (the family's last); the IPv6 addresses follow.
const FAST_SCALARS = 21;
const K_SYNACK = 1, K_RST = 2, K_DATA = 3, K_ICMP = 4, K_STRAY = 5, K_SENT = 6;
/** Bytes of a scanner's data segment written in its `sent` record (len says how many it had):
 *  what nmap's probe strings are compared with (banners keeps as many). */
export const SENT_MAX = 512;
const MAX_OTHER_ADDRS = 8;   // addresses of other_address replies remembered, for the warning
// Dedup kinds: one record per target and kind; the SYN-ACK key carries the server's ISN. Segments
// are keyed exactly (checkExact) by a hash of their seq, length and flags.
const DK_OPEN = 0, DK_CLOSED = 1, DK_UNREACH = 2, DK_SEGMENT = 3, DK_SENT = 4, DK_ALIVE = 5;
const NO_CHECK = 0xff;   // planDedup: this candidate makes no check in the IPv4 window
/** Bytes of blast's echo payload: send time and tag (shared/cookie.ts). */
const ECHO_PAYLOAD = 16;
const MAX_SCANNER_ADDRS = 64;

export class CatchEngine {
  readonly counters = new Counters();
  /** Reply requests of the last batch: replyCount unsealed frames, replyBytes bytes. */
  replyBuf: Uint8Array;
  replyCount = 0;
  replyBytes = 0;
  /** Packets of the last batch that made a record or a request (indices into it), for --save. */
  validIdx: Uint32Array;
  validCount = 0;
  private reqD6 = new Uint8Array(16);
  private reqS6 = new Uint8Array(16);
  private req: ReplyRequest = { kind: 0, slot: 0, daddr: 0, saddr: 0, dport: 0, sport: 0, seq: 0, ack: 0,
    daddr6: this.reqD6, saddr6: this.reqS6 };

  private d = new Decoded();
  private out = new RecordsOut();
  private opts = new TcpOptions();
  private ts = new Uint32Array(2);
  private dedup: DedupWindow;
  private dedup6: DedupWindow | null = null;   // made at the first IPv6 reply
  private probes: ProbeSlots | null = null;   // at the first segment (probe-names.ts)
  private ours: Set<number> | null;
  private ours0: number;
  private scanners = new Set<number>();   // --no-validate: senders of pure SYNs, i.e. the scanner
  private scanners6 = new Set<string>();  // the same for IPv6 (latin1 text of the 16 bytes)
  private ours6: Uint8Array[] | null;
  private validLast = 0;
  // other_address replies by address: IPv4 as a number, IPv6 as latin1 text of its 16 bytes.
  private others = new Map<number | string, number>();
  private udp: UdpCatch | null;

  // Candidate replies of the batch, structure of arrays.
  private n = 0;
  private cIdx: Uint32Array; private cKind: Uint8Array;
  private cOur: Uint32Array; private cTarget: Uint32Array; private cSport: Uint16Array; private cDport: Uint16Array;
  private cSeq: Uint32Array; private cAck: Uint32Array; private cFlags: Uint8Array; private cWindow: Uint16Array;
  private cTtl: Uint8Array; private cIpid: Uint16Array; private cFrom: Uint32Array; private cIcmp: Uint16Array;
  private cTcpOff: Uint32Array; private cTcpHl: Uint8Array;
  private cPayOff: Uint32Array; private cPayLen: Uint32Array; private cPayCap: Uint32Array;
  private cHasTs: Uint8Array; private cTsval: Uint32Array; private cTsecr: Uint32Array;
  private isn: Uint32Array; private slot: Int16Array;
  // IPv6 candidates: family per entry, addresses 16 bytes per entry; any6 when the batch has one.
  private cFam: Uint8Array; private cOur6: Uint8Array; private cTarget6: Uint8Array; private cFrom6: Uint8Array;
  private any6 = false;
  // The fast path's output (fast-path.ts): fast[i] = 1 for a packet it took, whose candidate
  // fields it wrote at index i of cols (the arrays above) and whose open record lies at
  // fastText[fastSpans[2i], fastSpans[2i+1]); cText[j] = that i for candidate j, or -1.
  private cols: SynAckColumns;
  // The IPv4 window's answers for candidates 0..preEnd-1, checked in one native call before the
  // decide loop (planDedup): preKind[j] the key's kind (NO_CHECK: none), preValue[j] its value.
  private preKind: Uint8Array; private preValue: Uint32Array; private preOut: Uint8Array; private preEnd = 0;
  private fast: Uint8Array; private fastText: Uint8Array; private fastSpans: Uint32Array; private cText: Int32Array;

  constructor(private cfg: EngineConfig, maxBatch: number) {
    this.dedup = new DedupWindow(cfg.dedupWindow);
    this.ours = cfg.ours && cfg.ours.length > 1 ? new Set(cfg.ours) : null;
    this.ours0 = cfg.ours && cfg.ours.length === 1 ? cfg.ours[0] : -1;
    const m = maxBatch;
    this.cIdx = new Uint32Array(m); this.cKind = new Uint8Array(m);
    this.cOur = new Uint32Array(m); this.cTarget = new Uint32Array(m); this.cSport = new Uint16Array(m); this.cDport = new Uint16Array(m);
    this.cSeq = new Uint32Array(m); this.cAck = new Uint32Array(m); this.cFlags = new Uint8Array(m); this.cWindow = new Uint16Array(m);
    this.cTtl = new Uint8Array(m); this.cIpid = new Uint16Array(m); this.cFrom = new Uint32Array(m); this.cIcmp = new Uint16Array(m);
    this.cTcpOff = new Uint32Array(m); this.cTcpHl = new Uint8Array(m);
    this.cPayOff = new Uint32Array(m); this.cPayLen = new Uint32Array(m); this.cPayCap = new Uint32Array(m);
    this.cHasTs = new Uint8Array(m); this.cTsval = new Uint32Array(m); this.cTsecr = new Uint32Array(m);
    this.isn = new Uint32Array(m); this.slot = new Int16Array(m);
    this.cFam = new Uint8Array(m); this.cOur6 = new Uint8Array(16 * m); this.cTarget6 = new Uint8Array(16 * m);
    this.cFrom6 = new Uint8Array(16 * m);
    this.preKind = new Uint8Array(m); this.preValue = new Uint32Array(m); this.preOut = new Uint8Array(m);
    this.ours6 = cfg.ours6 ?? null;
    this.cols = [this.cOur, this.cTarget, this.cSport, this.cDport, this.cSeq, this.cAck, this.cFlags, this.cWindow, this.cTtl,
      this.cIpid, this.cTcpOff, this.cTcpHl, this.cPayOff, this.cPayLen, this.cPayCap, this.cHasTs, this.cTsval, this.cTsecr,
      this.isn, this.slot, this.cFam, this.cOur6, this.cTarget6];
    const f = cfg.synAcks && cfg.validate ? m : 0;   // 512 bytes of text a packet: the longest open record
    this.fast = new Uint8Array(f); this.fastText = new Uint8Array(512 * f); this.fastSpans = new Uint32Array(2 * f);
    this.cText = new Int32Array(m);
    this.replyBuf = new Uint8Array(m * REPLY_MIN_FRAME);   // one request per packet at most
    this.validIdx = new Uint32Array(m);
    this.udp = cfg.validate && cfg.udpKey ? new UdpCatch(cfg.udpKey, cfg.sportBase, cfg.sportCount, this.counters, this.out, {
      ours: (a) => this.isOurs(a), ours6: (b, o) => this.isOurs6(b, o), dedup: this.dedup,
      dedup6: () => (this.dedup6 ??= new DedupWindow(cfg.dedupWindow, true)),
    }) : null;
  }

  /** Packets that produced a record or a request since the last call (for --idle). */
  takeValid(): number { const v = this.counters.valid - this.validLast; this.validLast = this.counters.valid; return v; }

  private isOurs(a: number): boolean {
    if (this.ours0 >= 0) return a === this.ours0;
    return this.ours === null ? true : this.ours.has(a);
  }

  private isOurs6(b: Uint8Array, off: number): boolean {
    const o = this.ours6;
    if (o === null) return true;
    if (o.length && inRange6(o[0], this.cfg.ours6Count ?? 1, b, off)) return true;
    for (let k = 1; k < o.length; k++) if (same16(o[k], 0, b, off)) return true;
    return false;
  }

  // Which IPv4 window check decide() will make for each candidate from 0 on, as far as they are
  // plain checks (a SYN-ACK's open key, a closed port's RST): preKind/preValue, and how many
  // candidates that covers. It stops at the first candidate whose check is anything else (a
  // segment's exact key, an ICMP error), which decide() then makes itself, in order: the window
  // sees the same keys in the same order either way. seen() verifies each answer it takes was
  // planned for the key it asks about.
  private planDedup(k: number): number {
    const probe = this.cfg.probe;
    for (let j = 0; j < k; j++) {
      const kind = this.cKind[j], slot = this.slot[j];
      let dk = NO_CHECK, value = 0;
      if (kind !== K_STRAY && slot >= 0) {
        const isn1 = (this.isn[j] + 1) >>> 0;
        if (kind === K_SYNACK) { if (this.cAck[j] === isn1) { dk = DK_OPEN; value = this.cSeq[j]; } }
        else if (kind === K_RST) {
          const dd = (this.cAck[j] - isn1) >>> 0;
          if (dd === 0 && this.cSeq[j] === 0) dk = DK_CLOSED;
          else if (dd <= MAX_PROBE_LEN && probe) return j;
        } else if (kind === K_DATA) { if (((this.cAck[j] - isn1) >>> 0) <= MAX_PROBE_LEN && probe) return j; }
        else return j;
      }
      // IPv6 keys go to their own window (seen()), untouched by this batch's IPv4 checks.
      this.preKind[j] = this.cFam[j] === 6 ? NO_CHECK : dk;
      this.preValue[j] = value;
    }
    return k;
  }

  // Whether the reply j was seen (DEDUP_NEW, _SAME, _CHANGED), in its family's window.
  private seen(kind: number, j: number, value: number): number {
    if (this.cFam[j] !== 6) {
      if (j < this.preEnd) {
        if (this.preKind[j] !== kind || this.preValue[j] !== value >>> 0) throw new Error(`catch: candidate ${j}'s duplicate check was not the one planned`);
        return this.preOut[j];
      }
      return this.dedup.check(kind, this.cTarget[j], this.ports(j), value);
    }
    if (!this.dedup6) this.dedup6 = new DedupWindow(this.cfg.dedupWindow, true);
    return this.dedup6.check6(kind, this.cTarget6, 16 * j, this.ports(j), value);
  }

  // Candidate j's addresses from the packet: ours at a, the target's at t (IPv6 offsets in b).
  private addrs(j: number, d: Decoded, b: Uint8Array, our: number, target: number, our6: number, target6: number): void {
    if (d.family === 6) {
      this.cFam[j] = 6; this.any6 = true;
      this.cOur[j] = 0; this.cTarget[j] = 0;
      copy16(b, our6, this.cOur6, 16 * j); copy16(b, target6, this.cTarget6, 16 * j);
    } else {
      this.cFam[j] = 4;
      this.cOur[j] = our; this.cTarget[j] = target;
    }
  }

  /** Records as views valid until the next batch rather than copies the caller may keep: for a
   *  writer that copies them at once (shared/io.ts copiesAtOnce). */
  viewOutput = false;

  /** Processes packets 0..n-1 of a batch; returns the records as NDJSON bytes (empty if none,
   *  the caller may keep them unless viewOutput) and leaves the reply requests in replyBuf (replyCount, replyBytes)
   *  and the valid packets' indices in validIdx (validCount). */
  processBatch(lt: number, buf: Uint8Array, meta: Uint32Array, times: Float64Array, n: number): Uint8Array {
    const c = this.counters, d = this.d, cfg = this.cfg;
    c.received += n;
    this.n = 0;
    this.any6 = false;
    this.replyCount = 0;
    this.replyBytes = 0;
    this.validCount = 0;
    const tr = cfg.trace ? new BatchTrace(n, c) : null;
    // The fast path first (not under --packet-trace, which describes every packet from the
    // TypeScript decoder): the packets it took only join the candidates below, in their place.
    const fastFn = tr === null && cfg.validate ? cfg.synAcks : null;
    const nf = fastFn ? fastFn(lt, buf, meta, times, n, this.cols, this.fastText, this.fastSpans, this.fast) : 0;
    const fast = this.fast;
    for (let i = 0; i < n; i++) {
      if (nf !== 0 && fast[i] === 1) { this.fastCandidate(i); continue; }
      tr?.before();
      const n0 = this.n;
      const r = decodePacket(lt, buf, meta[3 * i], meta[3 * i + 1], meta[3 * i + 2], d);
      if (tr) tr.what[i] = describe(r, d, buf);
      if (r === D_TCP) this.tcpCandidate(i, d, buf);
      else if (r === D_ICMP) this.icmpCandidate(i, d, buf);
      else if (r === D_ARP) this.arp(buf, d);
      else if (r === D_NS) this.ns(buf, d);
      else if (r === D_ECHO) this.echoReply(i, d, buf, times);
      else if ((r === D_UDP || r === D_ICMP_UDP) && this.udp) {
        if (r === D_UDP ? this.udp.answer(d, buf, times[i]) : this.udp.icmp(d, buf, times[i])) this.validIdx[this.validCount++] = i;
      }
      else if (r === D_MALFORMED) c.malformed++;
      else if (r === D_FRAGMENT) c.fragment++;
      else if (r === D_NOT_IP) c.not_ip++;
      else c.other++;
      if (this.n > n0) this.cText[n0] = -1;
      tr?.after(i, this.n > n0);
    }
    const k = this.n;
    if (k === 0) { tr?.print(cfg.trace!, times); return this.out.take(this.viewOutput); }
    // The fast path checked its candidates' cookies; the call is for the others (and gives the
    // same answer for the fast ones).
    if (cfg.validate && k > nf) {
      if (this.any6) cfg.cookies!(this.cOur, this.cTarget, this.cSport, this.cDport, k, this.isn, this.slot, this.cFam, this.cOur6, this.cTarget6);
      else cfg.cookies!(this.cOur, this.cTarget, this.cSport, this.cDport, k, this.isn, this.slot);
    }
    // The window's slots of the SYN-ACKs' keys, fetched together (they would miss one by one).
    this.preEnd = cfg.validate && cfg.dedupCheck ? this.planDedup(k) : 0;
    if (this.preEnd > 0) this.dedup.checkBatch(cfg.dedupCheck!, this.preKind, this.cTarget, this.cSport, this.cDport, this.preValue, this.preEnd, this.preOut);
    else if (cfg.dedupPrefetch) { const cur = this.dedup.current; cfg.dedupPrefetch(cur.table, cur.slots, DK_OPEN, this.cTarget, this.cSport, this.cDport, this.cFam, k); }
    const firstPass = this.validCount;
    for (let j = 0; j < k; j++) {
      const before = this.counters.valid;
      tr?.before();
      if (cfg.validate) this.decide(j, buf, times);
      else this.decideUnvalidated(j, buf, times);
      tr?.after(this.cIdx[j], false);
      if (this.counters.valid !== before) this.validIdx[this.validCount++] = this.cIdx[j];
    }
    tr?.print(cfg.trace!, times);
    // Echo replies and UDP answers took their place in the first pass, candidates theirs in
    // order after them: --save keeps the capture's order.
    if (firstPass > 0 && this.validCount > firstPass) this.validIdx.subarray(0, this.validCount).sort();
    return this.out.take(this.viewOutput);
  }

  // Packet i, taken by the fast path: its fields are at index i of the columns, and go to j.
  private fastCandidate(i: number): void {
    const j = this.n++;
    if (j !== i) {
      const cols = this.cols;
      for (let k = 0; k < FAST_SCALARS; k++) cols[k][j] = cols[k][i];
      if (this.cFam[j] === 6) { copy16(this.cOur6, 16 * i, this.cOur6, 16 * j); copy16(this.cTarget6, 16 * i, this.cTarget6, 16 * j); }
    }
    if (this.cFam[j] === 6) this.any6 = true;
    this.cIdx[j] = i; this.cKind[j] = K_SYNACK; this.cText[j] = i;
  }

  private tcpCandidate(i: number, d: Decoded, buf: Uint8Array) {
    const c = this.counters, cfg = this.cfg;
    const f = d.flags;
    let kind: number;
    if ((f & (TH_SYN | TH_ACK | TH_RST)) === (TH_SYN | TH_ACK)) kind = K_SYNACK;
    else if (f & TH_RST) {
      if (!(f & TH_ACK)) { c.other++; return; }    // a RST without ACK cannot be matched to a SYN
      kind = K_RST;
    } else if (f & TH_SYN) {
      // A SYN: someone's scan, maybe ours captured on the way out. It tells --no-validate who
      // the scanner is, so the scanner's own RSTs and ACKs are not taken for replies.
      if (!cfg.validate && d.family === 6 && this.scanners6.size < MAX_SCANNER_ADDRS) this.scanners6.add(text16(buf, d.s6));
      else if (!cfg.validate && this.scanners.size < MAX_SCANNER_ADDRS) this.scanners.add(d.saddr);
      c.other++; return;
    } else if (!(f & TH_ACK)) { c.other++; return; }
    else {
      // Data or a FIN: A, PA, FPA, FA (ECE and CWR may ride along; URG may not). A pure ACK
      // (the server acknowledging our probe, a window probe) says nothing.
      const a = f & 0x3f;
      if (d.payLen === 0 && a !== 0x11) { c.no_data++; return; }
      if (a !== 0x10 && a !== 0x18 && a !== 0x19 && a !== 0x11) { c.no_data++; return; }
      kind = K_DATA;
    }
    const v6 = d.family === 6;
    const fromScanner = !cfg.validate && (v6 ? this.scanners6.has(text16(buf, d.s6)) : this.scanners.has(d.saddr));
    if (fromScanner && kind === K_DATA && d.payLen > 0 && (v6 ? this.isOurs6(buf, d.s6) : this.isOurs(d.saddr))) {
      this.sentCandidate(i, d, buf); return;
    }
    if (v6 ? !this.isOurs6(buf, d.d6) || fromScanner : !this.isOurs(d.daddr) || fromScanner) {
      // Not ours; but a SYN-ACK or RST-ACK to our ports may answer a SYN blast sent from
      // another address: its cookie tells, in the batch's one call.
      if (!cfg.validate || kind === K_DATA || (d.dport - cfg.sportBase) >>> 0 >= cfg.sportCount) { c.not_ours++; return; }
      kind = K_STRAY;
    }
    if (cfg.portFilter && (d.dport - cfg.sportBase) >>> 0 >= cfg.sportCount) { c.wrong_port++; return; }
    const j = this.n++;
    this.cIdx[j] = i; this.cKind[j] = kind;
    this.addrs(j, d, buf, d.daddr, d.saddr, d.d6, d.s6);
    this.cSport[j] = d.dport; this.cDport[j] = d.sport;
    this.cSeq[j] = d.seq; this.cAck[j] = d.ack; this.cFlags[j] = f; this.cWindow[j] = d.window;
    this.cTtl[j] = d.ttl; this.cIpid[j] = d.ipid;
    this.cTcpOff[j] = d.tcpOff; this.cTcpHl[j] = d.tcpHl;
    this.cPayOff[j] = d.payOff; this.cPayLen[j] = d.payLen; this.cPayCap[j] = d.payCap;
    const ts = this.ts;
    const has = d.tcpHl > 20 && findTimestamps(buf, d.tcpOff + 20, d.tcpOff + d.tcpHl, ts);
    this.cHasTs[j] = has ? 1 : 0;
    this.cTsval[j] = has ? ts[0] : 0; this.cTsecr[j] = has ? ts[1] : 0;
  }

  /** --no-validate: a data segment from the scanner to a target, its probe (the addresses and
   *  ports the other way round from a reply's: the target is the destination). */
  private sentCandidate(i: number, d: Decoded, buf: Uint8Array) {
    const c = this.counters, cfg = this.cfg;
    if (cfg.portFilter && (d.sport - cfg.sportBase) >>> 0 >= cfg.sportCount) { c.wrong_port++; return; }
    const j = this.n++;
    this.cIdx[j] = i; this.cKind[j] = K_SENT;
    this.addrs(j, d, buf, d.saddr, d.daddr, d.s6, d.d6);
    this.cSport[j] = d.sport; this.cDport[j] = d.dport;
    this.cSeq[j] = d.seq; this.cAck[j] = d.ack; this.cFlags[j] = d.flags;
    this.cTtl[j] = d.ttl;
    this.cPayOff[j] = d.payOff; this.cPayLen[j] = d.payLen; this.cPayCap[j] = d.payCap;
  }

  private icmpCandidate(i: number, d: Decoded, buf: Uint8Array) {
    const c = this.counters, cfg = this.cfg;
    // The quoted packet is our SYN: its source is us, its destination the target.
    if (d.family === 6 ? !this.isOurs6(buf, d.q6s) : !this.isOurs(d.qSaddr)) { c.not_ours++; return; }
    if (cfg.portFilter && (d.sport - cfg.sportBase) >>> 0 >= cfg.sportCount) { c.wrong_port++; return; }
    const j = this.n++;
    this.cIdx[j] = i; this.cKind[j] = K_ICMP;
    this.addrs(j, d, buf, d.qSaddr, d.qDaddr, d.q6s, d.q6d);
    if (d.family === 6) copy16(buf, d.s6, this.cFrom6, 16 * j);
    this.cSport[j] = d.sport; this.cDport[j] = d.dport;
    this.cSeq[j] = d.seq; this.cFrom[j] = d.saddr; this.cIcmp[j] = (d.icmpType << 8) | d.icmpCode;
    this.cTtl[j] = d.ttl;
  }

  // An echo reply: to our address, from the target, with the identifier and sequence of that
  // pair and a payload whose tag matches its send time; the round-trip time is the capture time
  // less that (none when the clocks disagree: a replayed capture older than the scan cannot be).
  // Anything else is counted (not_ours, bad_cookie) and dropped; one record per target in the
  // dedup window (the answer to a repeat, --attempts, is a duplicate).
  private echoReply(i: number, d: Decoded, buf: Uint8Array, times: Float64Array) {
    const c = this.counters, cfg = this.cfg, v6 = d.family === 6;
    if (v6 ? !this.isOurs6(buf, d.d6) : !this.isOurs(d.daddr)) { c.not_ours++; return; }
    const t = d.echoOff;
    let rtt = -1;
    if (cfg.validate) {
      const e = cfg.echo;
      if (!e || d.echoLen < 8 + ECHO_PAYLOAD) { c.bad_cookie++; return; }
      const alen = v6 ? 16 : 4, from = v6 ? d.s6 : d.l3 + 12, to = v6 ? d.d6 : d.l3 + 16;
      const idSeq = ((buf[t + 4] << 24) | (buf[t + 5] << 16) | (buf[t + 6] << 8) | buf[t + 7]) >>> 0;
      if (e.idSeq(buf, to, buf, from, alen) !== idSeq || !e.payloadOk(buf, to, buf, from, alen, buf, t + 8)) {
        c.bad_cookie++; return;
      }
      const r = Math.round(times[i] - echoTime(buf, t + 8));
      if (r >= 0) rtt = r;
    }
    let seen: number;
    if (!v6) seen = this.dedup.check(DK_ALIVE, d.saddr, 0, 0);
    else {
      if (!this.dedup6) this.dedup6 = new DedupWindow(cfg.dedupWindow, true);
      seen = this.dedup6.check6(DK_ALIVE, buf, d.s6, 0, 0);
    }
    if (seen !== DEDUP_NEW) { c.duplicate++; return; }
    c.alive++;
    this.validIdx[this.validCount++] = i;
    if (v6) this.out.v6(buf, d.s6);
    this.out.alive(d.saddr, d.ttl, rtt, times[i], cfg.validate);
  }

  private arp(buf: Uint8Array, d: Decoded) {
    const c = this.counters, a = this.cfg.arp;
    c.arp++;
    if (a && d.arpTpa - a.ip >>> 0 < (a.count ?? 1) && d.arpSpa !== d.arpTpa) {
      a.inject(arpReply(a.mac, d.arpTpa, buf, d.arpShaOff, d.arpSpa));
      c.arp_replies++;
    }
  }

  // Neighbor Solicitation for the address we answer for (not from it: that is duplicate address
  // detection, which only the owner answers, and ours is not the kernel's).
  private ns(buf: Uint8Array, d: Decoded) {
    const c = this.counters, a = this.cfg.ndp;
    c.ns++;
    if (a && d.nsMac >= 0 && inRange6(a.ip6, a.count ?? 1, buf, d.nsTarget) && !isUnspecified(buf, d.s6)) {
      a.inject(neighborAdvertisement(a.mac, buf.slice(d.nsTarget, d.nsTarget + 16), buf, d.nsMac, d.s6));
      c.na_replies++;
    }
  }

  /** Queues one request to blast. tsval: the TSval to send, or -1 when the packet answered
   *  carried no timestamps (then neither does ours); window and delay 0: none. */
  private request(kind: number, slot: number, j: number, seq: number, ack: number, tsval: number, window: number, delay: number) {
    const cfg = this.cfg, c = this.counters;
    if (!cfg.replies || (!cfg.rst && kind !== REPLY_ACK_PROBE && kind !== REPLY_ACK_DATA)) return;
    const r = this.req;
    r.kind = kind; r.slot = slot;
    r.family = this.cFam[j];
    if (r.family === 6) { copy16(this.cTarget6, 16 * j, this.reqD6, 0); copy16(this.cOur6, 16 * j, this.reqS6, 0); }
    r.daddr = this.cTarget[j]; r.saddr = this.cOur[j]; r.dport = this.cDport[j]; r.sport = this.cSport[j];
    r.seq = seq; r.ack = ack;
    r.window = window; r.delay_ms = cfg.rst ? delay : 0;
    r.flags = tsval >= 0 ? REPLY_F_TS : 0;
    r.tsval = tsval >= 0 ? tsval : 0;
    r.tsecr = tsval >= 0 ? this.cTsval[j] : 0;
    this.replyBytes += encodeReply(r, this.replyBuf, this.replyBytes);
    this.replyCount++;
    c.requests++;
    if (kind === REPLY_ACK_PROBE) c.req_probe++;
    else if (kind === REPLY_ACK_DATA) c.req_ack++;
    else if (kind === REPLY_RST) c.req_rst++;
    else c.req_rst_later++;
  }

  private openRecord(j: number, buf: Uint8Array, times: Float64Array, repeat: boolean, validated: boolean): void {
    const f = this.cText[j];
    if (f >= 0 && !repeat && validated) {
      this.counters.open++;
      this.out.span(this.fastText, this.fastSpans[2 * f], this.fastSpans[2 * f + 1]);
      return;
    }
    const op = parseTcpOptions(buf, this.cTcpOff[j] + 20, this.cTcpOff[j] + this.cTcpHl[j], this.opts);
    if (repeat) this.counters.repeat++; else this.counters.open++;
    this.v6Out(j);
    this.out.open(this.cTarget[j], this.cDport[j], this.cSport[j], this.cTtl[j], this.cWindow[j], this.cIpid[j], op,
      this.cSeq[j], repeat, times[this.cIdx[j]], validated);
  }

  private closedRecord(j: number, times: Float64Array, validated: boolean): void {
    this.counters.closed++;
    this.v6Out(j);
    this.out.closed(this.cTarget[j], this.cDport[j], this.cSport[j], this.cTtl[j], this.cWindow[j], this.cIpid[j],
      times[this.cIdx[j]], validated);
  }

  private unreachableRecord(j: number, times: Float64Array, validated: boolean): void {
    this.counters.unreachable++;
    const ic = this.cIcmp[j];
    if (this.cFam[j] === 6) this.out.v6(this.cTarget6, 16 * j, this.cFrom6, 16 * j);
    this.out.unreachable(this.cTarget[j], this.cDport[j], this.cSport[j], this.cFrom[j], ic >> 8, ic & 255, this.cTtl[j],
      times[this.cIdx[j]], validated);
  }

  /** keep: the payload bytes to write (the captured ones below --max-banner). */
  private segmentRecord(j: number, buf: Uint8Array, times: Float64Array, probe: string, offset: number, keep: number,
    validated: boolean): void {
    const c = this.counters;
    c.segment++;
    if (offset >= 0) c.offset++; else c.no_offset++;
    const data = Buffer.from(buf.buffer, buf.byteOffset + this.cPayOff[j], keep);
    if (this.cFam[j] === 6) this.out.v6(this.cTarget6, 16 * j, this.cOur6, 16 * j);
    const ts = this.cHasTs[j] === 1;
    this.out.segment(this.cTarget[j], this.cDport[j], this.cSport[j], this.cOur[j], this.cTtl[j], ts ? this.cTsval[j] : -1,
      ts ? this.cTsecr[j] : -1, probe, this.cSeq[j], this.cAck[j], offset, this.cPayLen[j], data, flagString(this.cFlags[j]),
      times[this.cIdx[j]], validated);
  }

  private sentRecord(j: number, buf: Uint8Array, times: Float64Array): void {
    this.counters.sent++;
    const data = Buffer.from(buf.buffer, buf.byteOffset + this.cPayOff[j], Math.min(this.cPayCap[j], SENT_MAX));
    this.v6Out(j);
    this.out.sent(this.cTarget[j], this.cDport[j], this.cSport[j], this.cTtl[j], this.cSeq[j], this.cAck[j], this.cPayLen[j],
      data, flagString(this.cFlags[j]), times[this.cIdx[j]]);
  }

  private ports(j: number): number { return ((this.cDport[j] << 16) | this.cSport[j]) >>> 0; }

  // The next record is about an IPv6 target: its address is text from cTarget6.
  private v6Out(j: number): void { if (this.cFam[j] === 6) this.out.v6(this.cTarget6, 16 * j); }

  /** The dedup value of a segment: its seq, length and flags hashed into 32 bits. */
  private segmentKey(j: number): number {
    return (this.cSeq[j] + Math.imul(this.cPayLen[j] + 1, 0x9e3779b1) + Math.imul(this.cFlags[j], 0x85ebca6b)) >>> 0;
  }

  // Whether segment j (by segmentKey) was seen before, in its family's window: DEDUP_NEW or _SAME
  // (kind DK_SENT: a segment the scanner sent, whose seq is of the other direction).
  private seenSegment(j: number, kind = DK_SEGMENT): number {
    if (this.cFam[j] !== 6) return this.dedup.checkExact(kind, this.cTarget[j], this.ports(j), this.segmentKey(j));
    if (!this.dedup6) this.dedup6 = new DedupWindow(this.cfg.dedupWindow, true);
    return this.dedup6.checkExact6(kind, this.cTarget6, 16 * j, this.ports(j), this.segmentKey(j));
  }

  private decide(j: number, buf: Uint8Array, times: Float64Array): void {
    const c = this.counters, cfg = this.cfg;
    const slot = this.slot[j];
    if (this.cKind[j] === K_STRAY) { this.stray(j, slot); return; }
    if (slot < 0) { c.wrong_port++; return; }
    const isn1 = (this.isn[j] + 1) >>> 0;
    const kind = this.cKind[j];
    if (kind === K_SYNACK) {
      if (this.cAck[j] !== isn1) { c.bad_cookie++; return; }
      const seen = this.seen(DK_OPEN, j, this.cSeq[j]);
      // A retransmitted SYN-ACK (same server ISN) means the server did not take our ACK: its
      // accept queue was full and it dropped the ACK with the probe. Answer it again, as any
      // TCP client would, or the connection dies without a banner; the server's backoff (5
      // retransmissions on Linux) bounds the answers. A new server ISN on a port we already
      // reported is a second connection (blast --attempts): probe it too, and write its open
      // record again with repeat, so its segments can be joined through its seq.
      const srv1 = (this.cSeq[j] + 1) >>> 0;
      // (No requests without --replies: a replay's stamps would be computed for nothing.)
      const ts = cfg.replies && this.cHasTs[j] ? tsStamp(this.cSeq[j], this.isn[j]) : -1;
      if (this.cWindow[j] === 0 || !cfg.probe) this.request(REPLY_RST, slot, j, isn1, srv1, ts, 0, 0);
      else this.request(REPLY_ACK_PROBE, slot, j, isn1, srv1, ts, Math.min(MAX_WINDOW, cfg.maxBanner + WINDOW_SLACK), cfg.idleMs);
      if (seen === DEDUP_SAME) { c.reanswer++; return; }
      this.openRecord(j, buf, times, seen === DEDUP_CHANGED, true); return;
    }
    if (kind === K_RST) {
      const dd = (this.cAck[j] - isn1) >>> 0;
      // The answer to our SYN (closed port) has seq 0 (RFC 793: the SYN carried no ACK); the
      // reset of a connection carries the server's next sequence number.
      if (dd === 0 && this.cSeq[j] === 0) {
        if (this.seen(DK_CLOSED, j, 0) !== DEDUP_NEW) { c.duplicate++; return; }
        this.closedRecord(j, times, true); return;
      }
      // Without probes (--no-probe) no connection is ever established: nothing after the
      // handshake can be ours, and the range of probe lengths would only weaken the cookie.
      if (dd > MAX_PROBE_LEN || !cfg.probe) { c.bad_cookie++; return; }
      this.segment(j, buf, times, slot, dd);
      return;
    }
    if (kind === K_DATA) {
      const dd = (this.cAck[j] - isn1) >>> 0;
      if (dd > MAX_PROBE_LEN || !cfg.probe) { c.bad_cookie++; return; }
      this.segment(j, buf, times, slot, dd);
      return;
    }
    // K_ICMP: the quoted SYN carried our ISN itself.
    if (this.cSeq[j] !== this.isn[j]) { c.bad_cookie++; return; }
    if (this.seen(DK_UNREACH, j, 0) !== DEDUP_NEW) { c.duplicate++; return; }
    this.unreachableRecord(j, times, true); return;
  }

  /** A SYN-ACK or RST-ACK to an address not ours: other_address when it answers a SYN of ours
   *  (ack = ISN+1; a RST with seq 0, as a closed port's), else not_ours. */
  private stray(j: number, slot: number): void {
    const c = this.counters;
    const ok = slot >= 0 && this.cAck[j] === ((this.isn[j] + 1) >>> 0) && ((this.cFlags[j] & TH_SYN) !== 0 || this.cSeq[j] === 0);
    if (!ok) { c.not_ours++; return; }
    c.other_address++;
    const k: number | string = this.cFam[j] === 6 ? text16(this.cOur6, 16 * j) : this.cOur[j];
    const n = this.others.get(k);
    if (n !== undefined) this.others.set(k, n + 1);
    else if (this.others.size < MAX_OTHER_ADDRS) this.others.set(k, 1);
  }

  /** The addresses other_address replies came to (the first few), most replies first. */
  otherAddresses(): { address: string; count: number }[] {
    return [...this.others].sort((a, b) => b[1] - a[1]).map(([k, count]) => ({
      address: typeof k === 'number' ? formatIPv4(k) : formatIPv6(ipv6FromBytes(Uint8Array.from(k, (ch) => ch.charCodeAt(0)))),
      count,
    }));
  }

  /** A validated segment (data, FIN or RST) after the handshake, d bytes of ours acknowledged:
   *  its record, and what blast must send back. */
  private segment(j: number, buf: Uint8Array, times: Float64Array, slot: number, d: number): void {
    const c = this.counters, cfg = this.cfg;
    // A retransmission is a duplicate; every other segment is new once.
    if (this.seenSegment(j) === DEDUP_SAME) { c.duplicate++; return; }
    const flags = this.cFlags[j], len = this.cPayLen[j];
    const hasTs = this.cHasTs[j] === 1;
    const offset = hasTs ? tsOffset(this.cTsecr[j], this.cSeq[j], this.isn[j]) : -1;
    const ours = (this.isn[j] + 1 + d) >>> 0;
    const end = (this.cSeq[j] + len + (flags & TH_FIN ? 1 : 0)) >>> 0;
    // Our timestamp repeats the one the server echoed: its TS.Recent, so PAWS lets it in.
    const tsval = hasTs ? this.cTsecr[j] : -1;
    const probes = this.probes ??= probeSlots();
    if (!(flags & TH_RST)) {
      if (flags & TH_FIN) this.request(REPLY_RST, slot, j, ours, end, tsval, 0, 0);
      else if (offset >= 0 && offset + len >= cfg.maxBanner) this.request(REPLY_RST, slot, j, ours, end, tsval, 0, 0);
      else if (probes.oneRead[slot] && len > 0) this.request(REPLY_RST, slot, j, ours, end, tsval, 0, 0);
      else if (probes.nullSlot[slot] && this.cPayCap[j] === len &&
        greetingComplete(buf, this.cPayOff[j], len)) this.request(REPLY_RST, slot, j, ours, end, tsval, 0, 0);
      else if (offset >= 0) {
        // Keep the right edge of the window at most one segment past the limit: the server
        // sends no more than it needs to cross it.
        const win = Math.min(MAX_WINDOW, cfg.maxBanner + WINDOW_SLACK - offset - len);
        this.request(REPLY_ACK_DATA, slot, j, ours, end, tsval, win, cfg.idleMs);
      } else this.request(REPLY_RST_LATER, slot, j, ours, end, tsval, 0, cfg.idleMs);
    }
    if (offset >= cfg.maxBanner) { c.beyond_limit++; return; }
    const keep = offset >= 0 ? Math.min(this.cPayCap[j], cfg.maxBanner - offset) : this.cPayCap[j];
    this.segmentRecord(j, buf, times, probes.names[slot], offset, keep, true);
  }

  private decideUnvalidated(j: number, buf: Uint8Array, times: Float64Array): void {
    const c = this.counters;
    const kind = this.cKind[j];
    if (kind === K_SYNACK) {
      const seen = this.seen(DK_OPEN, j, this.cSeq[j]);
      if (seen === DEDUP_SAME) { c.duplicate++; return; }
      this.openRecord(j, buf, times, seen === DEDUP_CHANGED, false); return;
    }
    if (kind === K_RST) {
      if (this.seen(DK_CLOSED, j, 0) !== DEDUP_NEW) { c.duplicate++; return; }
      this.closedRecord(j, times, false); return;
    }
    if (kind === K_DATA) {
      if (this.seenSegment(j) === DEDUP_SAME) { c.duplicate++; return; }
      this.segmentRecord(j, buf, times, 'null', -1, this.cPayCap[j], false); return;
    }
    if (kind === K_SENT) {
      if (this.seenSegment(j, DK_SENT) === DEDUP_SAME) { c.duplicate++; return; }
      this.sentRecord(j, buf, times); return;
    }
    if (this.seen(DK_UNREACH, j, 0) !== DEDUP_NEW) { c.duplicate++; return; }
    this.unreachableRecord(j, times, false); return;
  }
}

// Whether b[bo, bo+16) is one of the count addresses from base (the last 32 bits counted on).
function inRange6(base: Uint8Array, count: number, b: Uint8Array, bo: number): boolean {
  for (let k = 0; k < 12; k++) if (base[k] !== b[bo + k]) return false;
  const lo = (x: Uint8Array, o: number) => ((x[o] << 24) | (x[o + 1] << 16) | (x[o + 2] << 8) | x[o + 3]) >>> 0;
  return (lo(b, bo + 12) - lo(base, 12)) >>> 0 < count;
}

function same16(a: Uint8Array, ao: number, b: Uint8Array, bo: number): boolean {
  for (let k = 0; k < 16; k++) if (a[ao + k] !== b[bo + k]) return false;
  return true;
}

function copy16(from: Uint8Array, fo: number, to: Uint8Array, too: number): void {
  for (let k = 0; k < 16; k++) to[too + k] = from[fo + k];
}

function isUnspecified(b: Uint8Array, o: number): boolean {
  for (let k = 0; k < 16; k++) if (b[o + k] !== 0) return false;
  return true;
}

function text16(b: Uint8Array, o: number): string {
  return String.fromCharCode(...b.subarray(o, o + 16));
}

/** --packet-trace for one batch: what each packet was, then the counter it landed in (decided
 *  in the first pass, or after the batch's cookie check for candidates), printed in order. */
class BatchTrace {
  readonly what: string[];
  private verdicts: string[];
  private snap: number[] = [];
  constructor(n: number, private c: Counters) { this.what = new Array(n); this.verdicts = new Array(n); }
  before(): void { snapshot(this.c, this.snap); }
  after(i: number, candidate: boolean): void {
    const v = verdict(this.c, this.snap);
    if (v !== null || !candidate) this.verdicts[i] = v ?? 'other';
  }
  print(out: (line: string) => void, times: Float64Array): void {
    let s = '';
    for (let i = 0; i < this.what.length; i++) s += traceLine(times[i], this.what[i], this.verdicts[i] ?? 'other');
    out(s);
  }
}
