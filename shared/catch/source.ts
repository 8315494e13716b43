// Where catch's packets come from: the native Capture (libpcap: a live interface, or a pcap or
// pcapng file) or, when the native module is not built or the file is standard input, the
// TypeScript pcap reader. Both hand packets over in the same batch shape.
import * as fs from 'fs';
import * as os from 'os';
import type { Readable } from 'stream';
import { loadNative, Native } from '../../native/index';
import { FatalError, UsageError } from '../exit';
import { PcapFormatError, PcapReader } from '../packet/pcap-reader';
import { formatIPv4, parseIPv4 } from '../ipv4';
import { formatIPv6, ipv6Bytes, ipv6FromBytes, parseIPv6 } from '../ipv6';
import { parseMac } from '../packet/arp';

export interface PacketSource {
  readonly linktype: number;
  read(buf: Uint8Array, meta: Uint32Array, times: Float64Array, maxPackets: number): number;
  /** cb when packets may be read; once: at most one call per onReadable (the native capture;
   *  a stream source calls it on every chunk and is armed once). */
  onReadable(cb: () => void, once?: boolean): void;
  inject(frame: Uint8Array): void;
  stats(): { received: number; dropped: number; ifdropped: number };
  close(): void;
}

/** The native module, or null when it is not built (or TRAWL_NO_NATIVE=1 asks to test without it). */
export function tryNative(): Native | null {
  if (process.env.TRAWL_NO_NATIVE === '1') return null;
  try { return loadNative(); } catch { return null; }
}

/** Opens --pcap FILE ('-' = stdin). Errors name the file and exit 2 (a bad file named on the
 *  command line). */
export function openPcap(file: string, stdin: Readable, native: Native | null): { src: PacketSource; native: boolean } {
  if (file !== '-') {
    try { fs.accessSync(file, fs.constants.R_OK); } catch (e) {
      throw new UsageError(`--pcap ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    if (fs.statSync(file).isDirectory()) throw new UsageError(`--pcap ${file}: is a directory`);
  }
  if (native && file !== '-') {
    try {
      return { src: new native.Capture({ file }), native: true };
    } catch (e) {
      // libpcap's own words, without the binding's "Capture: cannot read FILE: " around them.
      throw new UsageError(`--pcap ${file}: ${(e as Error).message.replace(`Capture: cannot read ${file}: `, '')}`);
    }
  }
  const r = file === '-' ? PcapReader.openStream(stdin) : PcapReader.openFile(file);
  return { src: r, native: false };
}

/** A damaged record after the header, from either reader (both give libpcap's message and the
 *  1-based frame number), as "frame N: what"; null for any other error. */
export function damagedRecord(e: unknown): string | null {
  const frame = e instanceof Error ? (e as Error & { frame?: unknown }).frame : undefined;
  if (typeof frame !== 'number') return null;
  return `frame ${frame}: ${(e as Error).message.replace(/^read: /, '')}`;
}

/** Turns a format error from the TypeScript reader into the usage error catch reports. */
export function pcapError(file: string, e: unknown): Error {
  if (e instanceof PcapFormatError) return new UsageError(`--pcap ${file === '-' ? 'stdin' : file}: ${e.message}`);
  return e as Error;
}

export interface IfaceFacts { mac: Uint8Array; ipv4: number[]; ipv6: Uint8Array[] }

/** The 16 bytes of an IPv6 address text (which the caller has checked). */
export function addr6(text: string): Uint8Array {
  const b = new Uint8Array(16);
  ipv6Bytes(parseIPv6(text) as bigint, b);
  return b;
}

/** MAC, IPv4 and IPv6 addresses of a local interface, from /sys and the kernel's address list. */
export function ifaceFacts(iface: string): IfaceFacts {
  let macText: string;
  try { macText = fs.readFileSync(`/sys/class/net/${iface}/address`, 'utf8'); } catch {
    throw new UsageError(`-i ${iface}: no such interface`);
  }
  const mac = parseMac(macText) ?? new Uint8Array(6);
  const all = os.networkInterfaces()[iface] ?? [];
  const addrs = all.filter((a) => a.family === 'IPv4').map((a) => parseIPv4(a.address) as number);
  return { mac, ipv4: addrs, ipv6: all.filter((a) => a.family === 'IPv6').map((a) => addr6(a.address)) };
}

/** libpcap filter for a live capture: replies (TCP and UDP) to our address(es) and ports, ICMP errors, and
 *  ARP requests for the address we answer for; for IPv6, everything to our addresses that is not
 *  TCP right after the fixed header (ICMPv6 and extension header chains, which BPF's `tcp`
 *  does not follow), and Neighbor Solicitations for the address we answer for (sent to its
 *  solicited-node group, not to it). A family without addresses of ours is left out.
 *  With `others`, also SYN-ACKs and RST-ACKs to our ports for any address (TCP flags at byte 13,
 *  IPv6's right after the fixed header): the answers to a blast whose --source-ip catch was not
 *  given, which the engine counts (other_address) to say so. They cost nothing when the two
 *  agree: the host's own connections' handshakes to our ports are all that comes in besides. */
export function captureFilter(ours: number[], base: number, count: number, arpFor: number | null,
  ours6: Uint8Array[] = [], ndpFor: Uint8Array | null = null, count6 = 1, others = false): string {
  const range = `${base}-${base + count - 1}`;
  // UDP answers come to our keyed source ports too (proto udp targets).
  const ports = `tcp dst portrange ${range}`, ourPorts = `${ports} or udp dst portrange ${range}`;
  const parts: string[] = [];
  // A --source-ip range's addresses are consecutive: its runs go in as a few networks.
  const v4 = runs(ours.map(BigInt).sort((a, b) => (a < b ? -1 : 1)).map((a) => [a, 1n] as [bigint, bigint]))
    .flatMap(([a, n]) => cidrs(a, n, 32)).map(([a, len]) => `dst ${len === 32 ? 'host' : 'net'} ${formatIPv4(Number(a))}${len === 32 ? '' : `/${len}`}`);
  if (ours.length) parts.push(`((${v4.join(' or ')}) and (${ourPorts} or icmp))`);
  if (ours6.length) {
    const v6 = ours6.flatMap((a, k) => cidrs(ipv6FromBytes(a), k === 0 ? BigInt(count6) : 1n, 128))
      .map(([a, len]) => `dst ${len === 128 ? 'host' : 'net'} ${formatIPv6(a)}${len === 128 ? '' : `/${len}`}`);
    parts.push(`(ip6 and (${v6.join(' or ')}) and (${ports} or not tcp))`);
  }
  // ARP and NDP for the range's addresses: the first's and, past a range, any (the engine checks).
  if (arpFor !== null) parts.push(`(arp and arp[6:2] = 1${ours.length <= 1 ? ` and arp[24:4] = 0x${arpFor.toString(16).padStart(8, '0')}` : ''})`);
  if (ndpFor !== null) {
    const w = [0, 4, 8, 12].map((k) => `ip6[${48 + k}:4] = 0x${Array.from(ndpFor.subarray(k, k + 4), (x) => x.toString(16).padStart(2, '0')).join('')}`);
    parts.push(`(icmp6 and ip6[40] = 135${count6 > 1 ? '' : ` and ${w.join(' and ')}`})`);
  }
  if (others) {
    parts.push(`(ip and ${ports} and (tcp[13] & 0x12 = 0x12 or tcp[13] & 0x14 = 0x14))`);
    parts.push(`(ip6 and ip6[6] = 6 and ${ports} and (ip6[53] & 0x12 = 0x12 or ip6[53] & 0x14 = 0x14))`);
  }
  return parts.join(' or ');
}

// Sorted [first, count] pairs with touching neighbours merged.
function runs(xs: [bigint, bigint][]): [bigint, bigint][] {
  const out: [bigint, bigint][] = [];
  for (const [a, n] of xs) {
    const last = out[out.length - 1];
    if (last && last[0] + last[1] >= a) last[1] = a + n > last[0] + last[1] ? a + n - last[0] : last[1];
    else out.push([a, n]);
  }
  return out;
}

// The aligned networks [address, prefix length] that exactly cover count addresses from first.
function cidrs(first: bigint, count: bigint, width: number): [bigint, number][] {
  const out: [bigint, number][] = [];
  while (count > 0n) {
    let size = 1n, bits = 0;
    while ((first & (size * 2n - 1n)) === 0n && size * 2n <= count && bits < width) { size *= 2n; bits++; }
    out.push([first, width - bits]);
    first += size; count -= size;
  }
  return out;
}

export function requireLive(native: Native | null): Native {
  if (!native) throw new FatalError('native module not built: run make (live capture needs it)');
  if (!native.canRaw()) {
    throw new FatalError('live capture needs CAP_NET_RAW: run as root, or: sudo setcap cap_net_raw,cap_net_admin+ep "$(command -v node)"');
  }
  return native;
}
