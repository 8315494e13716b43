// Typed surface of the native packet module (native/src/*.cc, built by `make` through node-gyp).
// Used only by blast and catch. Batch-shaped: JavaScript allocates every buffer, C++ fills or
// drains it, one call moves many packets and returns a count. Addresses in typed arrays are
// IPv4 as uint32 in host order (198.18.0.1 = 0xC6120001), IPv6 as 16 bytes each in a Uint8Array
// (entry i at 16*i), marked by a families array (4 or 6 per entry) where a batch may mix them.
import * as path from 'path';
import { REPLY_LAYOUT_ID } from '../shared/replies';

export type SynOptions = 'linux' | 'windows' | 'bsd' | 'none';
/** How a lane's frames reach the kernel (native/src/tx-engine.h); the figures are in sender.cc. */
export const TX_ENGINES = ['sendmmsg', 'tx-ring', 'xdp'] as const;
export type TxEngineName = typeof TX_ENGINES[number];

export interface SenderOptions {
  iface?: string;          // send on this interface through AF_PACKET (needs CAP_NET_RAW) ...
  pcapFile?: string;       // ... or write the exact frames to this pcap file (no privileges)
  srcMac: string;          // "aa:bb:cc:dd:ee:ff"
  dstMac: string;          // the router's (or the target's, on a link) MAC
  srcIp?: string;          // IPv4 source; at least one of srcIp and srcIp6 (setSource adds the other later)
  srcIp6?: string;         // IPv6 source
  dstMac6?: string;        // IPv6 next hop's MAC (default: dstMac)
  srcCount?: number;       // a source range: srcCount addresses from srcIp, each target's keyed
  srcCount6?: number;      // (cookieSrcIndex); IPv6 ranges vary the last 32 bits (default 1)
  ttl: number;             // 1..255
  synOptions: SynOptions;  // TCP option layout of the SYN, as ZMap's probe modules
  key: Uint8Array;         // 16-byte cookie key (shared/key.ts)
  sportBase: number;       // source port range (shared/cookie.ts)
  sportCount: number;
  probeWindow?: number;    // window of replies whose request says 0 (default 65535; catch sizes its own)
  lanes?: 1 | 2;           // live: sockets/threads sendSyns spreads a batch of >= 2048 over (default 2;
                           // xdp: 1 on an interface with one TX queue, each lane binds its own)
  engine?: TxEngineName;   // live: sendmmsg (default), tx-ring (PACKET_TX_RING) or xdp (AF_XDP); one
                           // that cannot start throws an Error with code 'EENGINE' naming why
  linkHeader?: boolean;    // false: a layer-3 link (tun, WireGuard, PPP): no Ethernet header sent
                           // (the MACs are ignored), the pcap file is DLT_RAW (default true)
}
// A Sender that cannot open its socket for lack of privileges throws an Error with code 'EPERM'.
// SYN option layouts (window scale shift 0) and the frame template are documented in
// native/src/frame.h; a reply carries NOP,NOP,TS with the request's tsval and tsecr when its
// request sets REPLY_F_TS (shared/replies.ts).
// In pcapFile mode a failed write (full disk) makes sendSyns/sendReplies throw.

export interface SenderStats {
  sent: number;            // frames handed to the kernel (or written to the pcap)
  bytes: number;
  errors: number;          // sendmmsg/ring failures other than ENOBUFS back-pressure
  replies_sent: number;    // reply frames (ACK+probe, ACK of data, ACK+payload, RST) among `sent`
  replies_rejected: number; // reply requests whose cookie did not check out, or not implemented
  resolves_sent: number;   // ARP requests and Neighbor Solicitations (sendResolves) among `sent`
  echoes_sent: number;     // ICMP echo requests (sendEchoes) among `sent`
  udp_sent: number;        // UDP datagrams (sendUdp) among `sent`
  engine?: string;         // live: the engine and how it runs ("tx-ring (TPACKET_V3)", "xdp (copy mode, queue 0)")
  lanes?: number;          // live: lanes in use
}

export interface Sender {
  /** One SYN per target i < count: ips[i]:ports[i], carrying probe slot slots[i] in its source
   *  port (a probe code, slot + 16 * variant, for the jarm slot 13). With families given, target i with families[i] = 6 is the IPv6 address in
   *  addrs6[16i, 16i+16) (ips[i] unread). Returns how many were sent, from the front; the caller
   *  offers the rest again. Throws, sending nothing, for a target of a family without a source. */
  sendSyns(ips: Uint32Array, ports: Uint16Array, slots: Uint8Array, count: number,
    families?: Uint8Array, addrs6?: Uint8Array): number;
  /** count reply frames (shared/replies.ts) lying back to back in frames, each as long as its
   *  length field: the caller has checked their MACs (shared/blast/replies.ts). Each request's
   *  cookie is checked again here; requests that fail it, and kinds or families this sender
   *  does not implement (RST_LATER belongs to blast's timed queue; IPv6), are dropped and
   *  counted (replies_rejected). Throws RangeError, sending nothing, when the frames do not fit
   *  frames.length or a payload length disagrees with its frame's. Returns how many requests
   *  were consumed, from the front (the caller offers the rest again). */
  sendReplies(frames: Uint8Array, count: number): number;
  /** The payload of probe slot 0..15. When `after` is given the target's address is inserted
   *  between `before` and `after` (HTTP Host header): dotted IPv4, or IPv6 in brackets. Total
   *  length <= 1400 with the longest address (41 bytes). slot may be a probe code 13 + 16 * v
   *  (v < 10: the jarm variants, shared/cookie.ts). fix: offsets in before of big-endian u16
   *  lengths the address's length is added to; bare: IPv6 without brackets (a TLS server_name). */
  setProbe(slot: number, before: Uint8Array, after?: Uint8Array, fix?: Uint16Array, bare?: boolean): void;
  /** Our source address of one family and its next hop's MAC (rebuilds that family's SYN). */
  setSource(family: 4 | 6, srcIp: string, dstMac: string, count?: number): void;
  /** The neighbour table (LAN scans): entry i < count says that frames to ips[i] (or, with
   *  families[i] = 6, to the IPv6 address at 16i of addrs6) go to the MAC macs[6i, 6i+6)
   *  rather than to the next hop's. Every later SYN and reply to that address looks it up in
   *  native code. Adds or replaces entries; returns the table's size. */
  setNeighbors(ips: Uint32Array, macs: Uint8Array, count: number, families?: Uint8Array, addrs6?: Uint8Array): number;
  /** One ARP request (IPv4, from our first source address) or Neighbor Solicitation (IPv6,
   *  from from6 when given, else our first IPv6 source) per entry i < count, addressed as in
   *  sendSyns. Returns how many were sent, from the front; the caller offers the rest again.
   *  Throws on a layer-3 link, or for a family without a source. */
  sendResolves(ips: Uint32Array, count: number, families?: Uint8Array, addrs6?: Uint8Array, from6?: string): number;
  /** One ICMP echo request (ICMPv6 for families[i] = 6) per target i < count, addressed as in
   *  sendSyns: identifier, sequence and the payload's tag from the echo cookie, the payload
   *  holding the send time (native/src/frame-icmp.h, shared/cookie.ts). Returns how many were
   *  sent, from the front. Throws, sending nothing, for a family without a source. */
  sendEchoes(ips: Uint32Array, count: number, families?: Uint8Array, addrs6?: Uint8Array): number;
  /** The payload of UDP slot 0..15 (shared/udp), at most 1400 bytes: the cookie's low idLen (2
   *  or 4) bytes go at idOffset, big-endian (idOffset -1, idLen 0: nothing echoed). Slot 15
   *  (--udp-payloads) has one payload per port: port given there and only there. */
  setUdpPayload(slot: number, bytes: Uint8Array, idOffset: number, idLen: number, port?: number): void;
  /** One UDP datagram per target i < count, addressed as in sendSyns, its source port keyed for
   *  UDP slot slots[i] & 15 as a SYN's for that slot, its payload that slot's (slot 15: the
   *  port's) with cookie isn(saddr, daddr, sport, dport) in the id field (native/src/frame-udp.h).
   *  Returns how many were sent, from the front. Throws, sending nothing, for a slot or port
   *  without a payload or a family without a source. */
  sendUdp(ips: Uint32Array, ports: Uint16Array, slots: Uint8Array, count: number,
    families?: Uint8Array, addrs6?: Uint8Array): number;
  stats(): SenderStats;
  close(): void;
}

export interface CaptureOptions {
  iface?: string;          // live capture through libpcap ...
  file?: string;           // ... or a pcap/pcapng file; "-" reads stdin
  snaplen?: number;        // bytes kept per packet
  bufferBytes?: number;    // kernel ring size for live capture
  filter?: string;         // BPF expression compiled by libpcap
  direction?: 'in' | 'out' | 'inout'; // live: which packets the socket sees (default inout)
  promisc?: boolean;       // live: promiscuous mode (default false)
  multicast?: string[];    // live: Ethernet multicast groups to join while open (IPv6 solicited-node groups)
  /** live: 0 (default) immediate mode, a TPACKET_V2 ring of one snaplen-sized frame per packet;
   *  1-1000: a TPACKET_V3 ring of 256 KiB blocks packed with packets, each handed over when full
   *  or this many ms after its first packet (the longest a lone packet waits). */
  blockTimeoutMs?: number;
}
// Defaults: snaplen 2048, bufferBytes 64 MiB (see native/src/capture.cc for why).

export interface CaptureStats { received: number; dropped: number; ifdropped: number }

export interface Capture {
  readonly linktype: number;   // DLT_* of the source: 1 Ethernet, 101 raw IP, 113 Linux cooked, ...
  /** Copies up to maxPackets packets into buf. For packet i: meta[3i] = offset in buf,
   *  meta[3i+1] = captured length, meta[3i+2] = length on the wire; times[i] = capture time in
   *  microseconds since the epoch. Returns the count, 0 when nothing is ready (live), -1 at end
   *  of file. Stops early when buf is full (the packet that did not fit comes first next time);
   *  a single packet larger than the whole buf is cut to buf's size (captured < wire length).
   *  A damaged record in a file ends the batch before it: the packets before it are returned,
   *  and every later call throws an Error with libpcap's message and `frame`, the 1-based
   *  number of the damaged record (shared/packet/pcap-reader.ts follows the same rules). */
  read(buf: Uint8Array, meta: Uint32Array, times: Float64Array, maxPackets: number): number;
  /** Calls cb whenever the live capture has packets to read (libuv poll on the pcap fd), or,
   *  with once, at most one time per call (a reader that arms it before each wait). Live
   *  captures only (files: call read() until it returns -1). The poll keeps the process alive
   *  until close(). */
  onReadable(cb: () => void, once?: boolean): void;
  /** Sends one raw frame on the capture's interface (ARP replies). */
  inject(frame: Uint8Array): void;
  stats(): CaptureStats;
  close(): void;
}

/** The engine's candidate columns synAcks fills: our address, the target's, our port, the
 *  target's, seq, ack, flags, window, ttl, ipid, TCP header offset and length, payload offset,
 *  length on the wire and captured, has timestamps, TSval, TSecr, ISN, probe slot, family (4 or
 *  6), and our and the target's IPv6 addresses (16 bytes an entry; the IPv4 columns hold 0). */
export type SynAckColumns = [Uint32Array, Uint32Array, Uint16Array, Uint16Array, Uint32Array, Uint32Array, Uint8Array,
  Uint16Array, Uint8Array, Uint16Array, Uint32Array, Uint8Array, Uint32Array, Uint32Array, Uint32Array, Uint8Array,
  Uint32Array, Uint32Array, Uint32Array, Int16Array, Uint8Array, Uint8Array, Uint8Array];

export interface Native {
  siphash24(key: Uint8Array, msg: Uint8Array): bigint;
  /** Batch cookie check for replies (catch's hot path), one entry per i < n, with the SYN's
   *  tuple (saddr = ours, daddr = the target's): isnOut[i] = ISN, slotOut[i] = the probe slot
   *  the source port encodes, or -1 if the port is not the keyed one (shared/cookie.ts). */
  cookies(key: Uint8Array, sportBase: number, sportCount: number,
    saddr: Uint32Array, daddr: Uint32Array, sport: Uint16Array, dport: Uint16Array, n: number,
    isnOut: Uint32Array, slotOut: Int16Array,
    /** Mixed batches: entry i with families[i] = 6 takes the 16 bytes at 16i of saddr6/daddr6. */
    families?: Uint8Array, saddr6?: Uint8Array, daddr6?: Uint8Array): void;
  /** catch's fast path (native/src/catch-fast.cc): the packets i < n of a batch (Capture.read's
   *  shape) that are valid SYN-ACKs to us - to an address in ours (IPv4, sorted ascending; empty:
   *  any) or ours6 (16 bytes each, the first starting a range of ours6Count addresses; -1: any),
   *  to a keyed port, ack = ISN+1 - decoded as the engine's candidate i: fast[i] = 1, the
   *  fields at index i of each column of cols (SynAckColumns' order), and the open record the
   *  engine would write for it (validated, not a repeat) at text[spans[2i], spans[2i+1]), records
   *  back to back in packet order. Every other packet gets fast[i] = 0 and is left to the
   *  TypeScript decoder, which stays the reference. Returns how many were taken. */
  synAcks(key: Uint8Array, sportBase: number, sportCount: number, ours: Uint32Array, ours6: Uint8Array, ours6Count: number,
    linktype: number,
    buf: Uint8Array, meta: Uint32Array, times: Float64Array, n: number, cols: SynAckColumns,
    text: Uint8Array, spans: Uint32Array, fast: Uint8Array): number;
  /** blast's walk in native code (native/src/walk.cc), the fast path of TargetWalk.fill
   *  (shared/targets/walk.ts: WalkFillFn's arguments); how many targets were filled. */
  walkFill(rounds: Int32Array, dims: Float64Array, v4Start: Float64Array, v4Base: Float64Array,
    v6Words: Float64Array, v6Base: Float64Array, ports: Uint32Array, i: number, step: number, end: number, max: number,
    families: Uint8Array, ips: Uint32Array, addrs6: Uint8Array, keys: Uint32Array, idx: Float64Array): number;
  /** Prefetches the duplicate window's index slots of candidates 0..n-1 (IPv4 ones) for their key
   *  of this kind (native/src/catch-fast.cc): a hint to the cache, no result (out: the slots, for tests). */
  dedupPrefetch(table: Uint32Array, slots: number, kind: number, targets: Uint32Array, sports: Uint16Array, dports: Uint16Array,
    families: Uint8Array, n: number, out?: Uint32Array): void;
  /** DedupWindow.check over candidates 0..n-1 of a batch in order (native/src/catch-fast.cc), on
   *  the window's index, entries and Bloom bits of each generation; kinds[j] 0xff skips j; state
   *  [cur, count, window] in and out; answers in out. */
  dedupCheck(index0: Uint32Array, index1: Uint32Array, entries0: Uint32Array, entries1: Uint32Array,
    bloom0: Uint32Array, bloom1: Uint32Array, state: Uint32Array,
    kinds: Uint8Array, targets: Uint32Array, sports: Uint16Array, dports: Uint16Array, values: Uint32Array, n: number, out: Uint8Array): void;
  /** Resolves ipv4's MAC by ARP on iface (from srcIp), or null after timeoutMs. */
  arpResolve(iface: string, srcIp: string, ipv4: string, timeoutMs: number): Promise<string | null>;
  /** Resolves ipv6's MAC by a Neighbor Solicitation on iface (from srcIp), or null after timeoutMs. */
  ndpResolve(iface: string, srcIp: string, ipv6: string, timeoutMs: number): Promise<string | null>;
  /** The kernel's neighbour table of one family (rtnetlink): entries with a MAC, state the NUD_* bits. */
  neighbors(family: 4 | 6): { ip: string; mac: string; iface: string; state: number }[];
  /** true when this process may open AF_PACKET sockets (CAP_NET_RAW). */
  canRaw(): boolean;
  /** F_SETPIPE_SZ on fd: the size the kernel gave, or -errno. */
  setPipeSize(fd: number, bytes: number): number;
  /** REPLY_LAYOUT_ID of the shared/replies.ts the module was built from (native/gen/replies.h). */
  replyLayout: string;
  Sender: new (opts: SenderOptions) => Sender;
  Capture: new (opts: CaptureOptions) => Capture;
}

let cached: Native | null = null;

/** Loads the addon; throws a clear error when it was not built. */
export function loadNative(): Native {
  if (cached) return cached;
  const file = path.join(__dirname, '..', '..', 'native', 'build', 'Release', 'trawl_native.node');
  try {
    cached = require(file) as Native;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'MODULE_NOT_FOUND') throw new Error('native module not built: run make');
    throw new Error(`native module failed to load: ${err.message}`);
  }
  // A module built before shared/replies.ts changed would read frames at the wrong offsets.
  if (cached.replyLayout !== REPLY_LAYOUT_ID) {
    cached = null;
    throw new Error('native module was built for another replies frame layout: run make');
  }
  return cached;
}
