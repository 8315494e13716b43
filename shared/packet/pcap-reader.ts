// A classic pcap file reader in TypeScript with the native Capture's batch shape, used when the
// native module is not built (pure-TS tests) and for captures read from a stream. It follows
// libpcap's reading rules (sf-pcap.c) so both readers give the same packets, the same error at
// the same frame and the same message: test/fuzz/frames.fuzz.ts compares them on mutated files.
//
// file header  0 magic (a1b2c3d4 us | a1b23c4d ns | a1b2cd34 Kuznetzov, either byte order)
//              4 major 6 minor 8 thiszone 12 sigfigs 16 snaplen 20 linktype
// record       0 ts_sec 4 ts_usec|ts_nsec 8 incl_len 12 orig_len [16 Kuznetzov: 8 more bytes]
//              then data[incl_len]
import * as fs from 'fs';
import type { Readable } from 'stream';

/** The file is not a classic pcap file at all (raised before any packet). */
export class PcapFormatError extends Error {}

/** A record after the header is damaged; `frame` is its 1-based number. The packets before it
 *  were all delivered. The message is libpcap's for the same fault. */
export class PcapRecordError extends Error {
  constructor(message: string, readonly frame: number) { super(message); }
}

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_KUZNETZOV = 0xa1b2cd34;
const MAGIC_NS = 0xa1b23c4d;
const MAGIC_PCAPNG = 0x0a0d0d0a;
const INT_MAX = 0x7fffffff;

// libpcap's max_snaplen_for_dlt: a larger captured length is a corrupt record.
function maxSnaplen(dlt: number): number {
  if (dlt === 231) return 128 << 20;   // DLT_DBUS
  if (dlt === 279) return 8 << 20;     // DLT_EBHSCR
  if (dlt === 249) return 1 << 20;     // DLT_USBPCAP
  return 262144;
}

// libpcap's linktype_to_dlt on Linux: the LINKTYPE_ values that differ from their DLT_.
const LINKTYPE_TO_DLT: Record<number, number> = { 100: 11, 101: 12, 102: 15, 103: 16, 106: 19 };

/** Where the bytes come from: a file read synchronously, or a stream buffered as it arrives. */
interface ByteSource {
  /** Copies up to len bytes to buf[off..]; 0 at the end, -1 when nothing is ready yet. */
  take(buf: Uint8Array, off: number, len: number): number;
  onData(cb: () => void): void;
  close(): void;
}

class FileBytes implements ByteSource {
  constructor(private fd: number) {}
  take(buf: Uint8Array, off: number, len: number): number { return fs.readSync(this.fd, buf, off, len, null); }
  onData(): void { /* a file is always ready */ }
  close(): void { fs.closeSync(this.fd); }
}

class StreamBytes implements ByteSource {
  private chunks: Buffer[] = [];
  private queued = 0;
  private ended = false;
  private cb: (() => void) | null = null;
  error: Error | null = null;
  constructor(private s: Readable) {
    s.on('data', (c: Buffer) => {
      this.chunks.push(c); this.queued += c.length;
      if (this.queued > 8 << 20) s.pause();   // bounded: the reader catches up before more comes
      this.cb?.();
    });
    s.on('end', () => { this.ended = true; this.cb?.(); });
    s.on('error', (e) => { this.error = e; this.ended = true; this.cb?.(); });
  }
  take(buf: Uint8Array, off: number, len: number): number {
    if (this.chunks.length === 0) {
      if (this.error) throw this.error;
      return this.ended ? 0 : -1;
    }
    let n = 0;
    while (n < len && this.chunks.length) {
      const c = this.chunks[0];
      const k = Math.min(c.length, len - n);
      buf.set(k === c.length ? c : c.subarray(0, k), off + n);
      n += k;
      if (k === c.length) this.chunks.shift(); else this.chunks[0] = c.subarray(k);
    }
    this.queued -= n;
    if (this.queued < 1 << 20 && this.s.isPaused()) this.s.resume();
    return n;
  }
  onData(cb: () => void): void { this.cb = cb; }
  close(): void { this.s.pause(); }
}

export class PcapReader {
  linktype = -1;
  received = 0;
  private little = true;
  private nanos = false;
  private hdrSize = 16;
  private snapshot = 0;
  private maxSnap = 262144;
  private swapLengths: 0 | 1 | 2 = 0;   // 0 never, 1 always (< 2.3, 543.0), 2 when caplen > len (2.3)
  private headerDone = false;
  // Bytes read from the source and not yet consumed: q[pos, end).
  private q = new Uint8Array(1 << 18);
  private pos = 0;
  private end = 0;
  private eof = false;
  private failed: PcapRecordError | null = null;   // raised on the call after the packets before it

  private constructor(private src: ByteSource) {}

  static openFile(file: string): PcapReader {
    return new PcapReader(new FileBytes(fs.openSync(file, 'r')));
  }

  static openStream(s: Readable): PcapReader {
    return new PcapReader(new StreamBytes(s));
  }

  /** Tries to hold n unconsumed bytes; false when fewer are there (this.eof tells why). */
  private fill(n: number): boolean {
    if (this.end - this.pos >= n) return true;
    if (this.pos > 0) { this.q.copyWithin(0, this.pos, this.end); this.end -= this.pos; this.pos = 0; }
    if (this.q.length < n) {
      const bigger = new Uint8Array(Math.max(n, this.q.length * 2));
      bigger.set(this.q.subarray(0, this.end));
      this.q = bigger;
    }
    while (!this.eof && this.end < n) {
      const k = this.src.take(this.q, this.end, this.q.length - this.end);
      if (k === -1) break;
      if (k === 0) { this.eof = true; break; }
      this.end += k;
    }
    return this.end >= n;
  }

  /** Reads and checks the file header; false when more bytes are needed (stream). Throws
   *  PcapFormatError when the bytes are not a classic pcap file libpcap would read. */
  begin(): boolean {
    if (this.headerDone) return true;
    if (!this.fill(24) && !this.eof) return false;
    const have = this.end - this.pos;
    const h = this.q.subarray(this.pos, this.end);
    if (have < 4) throw new PcapFormatError(have === 0 ? 'empty file' : 'not a pcap file (too short)');
    const le = (h[0] | (h[1] << 8) | (h[2] << 16) | (h[3] << 24)) >>> 0;
    const be = ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
    if (le === MAGIC_PCAPNG) throw new PcapFormatError('pcapng file: reading pcapng needs the native module (run make), or convert it with: tcpdump -r FILE -w out.pcap');
    let magic: number;
    if (le === MAGIC_US || le === MAGIC_NS || le === MAGIC_KUZNETZOV) { this.little = true; magic = le; }
    else if (be === MAGIC_US || be === MAGIC_NS || be === MAGIC_KUZNETZOV) { this.little = false; magic = be; }
    else throw new PcapFormatError('not a pcap file (bad magic number)');
    if (have < 24) throw new PcapFormatError('truncated pcap file header');
    const major = this.u16(h, 4), minor = this.u16(h, 6);
    if (major < 2) throw new PcapFormatError('archaic pcap savefile format');
    if (!((major === 2 && minor <= 4) || (major === 543 && minor === 0))) {
      throw new PcapFormatError(`unsupported pcap savefile version ${major}.${minor}`);
    }
    const lt = this.u32(h, 20) & 0x03ffffff;
    this.linktype = LINKTYPE_TO_DLT[lt] ?? lt;
    this.maxSnap = maxSnaplen(this.linktype);
    const snaplen = this.u32(h, 16);
    this.snapshot = snaplen === 0 || snaplen > INT_MAX ? this.maxSnap : snaplen;
    this.nanos = magic === MAGIC_NS;
    if (magic === MAGIC_KUZNETZOV) {
      this.hdrSize = 24;
      if (this.linktype === 1) this.snapshot = Math.min(this.snapshot + 14, INT_MAX);
    }
    this.swapLengths = major === 543 || minor < 3 ? 1 : minor === 3 ? 2 : 0;
    this.pos += 24;
    this.headerDone = true;
    return true;
  }

  private u16(b: Uint8Array, o: number): number {
    return this.little ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1];
  }

  private u32(b: Uint8Array, o: number): number {
    return this.little ? ((b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0)
      : (((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0);
  }

  /** Same contract as native Capture.read: count, 0 when nothing is ready, -1 at the end. A
   *  damaged record ends the batch before it; the next call throws PcapRecordError. */
  read(buf: Uint8Array, meta: Uint32Array, times: Float64Array, maxPackets: number): number {
    if (!this.headerDone && !this.begin()) return 0;
    if (this.failed) throw this.failed;
    let n = 0, used = 0;
    const hs = this.hdrSize;
    while (n < maxPackets && used < buf.length) {
      const avail = this.end - this.pos;
      if (avail < hs && !this.fill(hs)) {
        if (!this.eof) break;
        if (this.end === this.pos) break;   // the file ended cleanly
        this.fail(`truncated dump file; tried to read ${hs} header bytes, only got ${this.end - this.pos}`, n);
        break;
      }
      const q = this.q, o = this.pos;
      let cap = this.u32(q, o + 8), wire = this.u32(q, o + 12);
      if (this.swapLengths === 1 || (this.swapLengths === 2 && cap > wire)) { const t = cap; cap = wire; wire = t; }
      if (cap > this.maxSnap) {
        this.fail(`invalid packet capture length ${cap}, bigger than ${cap > this.snapshot ? `snaplen of ${this.snapshot}` : `maximum of ${this.maxSnap}`}`, n);
        break;
      }
      if (!this.fill(hs + cap)) {
        if (!this.eof) break;
        const got = this.end - this.pos - hs;
        this.fail(`truncated dump file; tried to read ${cap > this.snapshot && got < this.snapshot ? this.snapshot : cap} captured bytes, only got ${got}`, n);
        break;
      }
      const p = this.pos;   // fill() may have moved the bytes
      let take = Math.min(cap, this.snapshot);
      if (used + take > buf.length) {
        if (n > 0) break;              // comes first in the next batch
        take = buf.length;             // larger than the whole buffer: cut, as the native reader does
      }
      buf.set(this.q.subarray(p + hs, p + hs + take), used);
      // libpcap reads the fraction as a signed 32-bit value, but its byte swap of a big-endian
      // file (on this little-endian host) yields it unsigned.
      const sec = this.u32(this.q, p), frac = this.little ? this.u32(this.q, p + 4) | 0 : this.u32(this.q, p + 4);
      meta[3 * n] = used; meta[3 * n + 1] = take; meta[3 * n + 2] = Math.max(wire, Math.min(cap, this.snapshot));
      // Nanoseconds are scaled down as libpcap does (truncating).
      times[n] = sec * 1e6 + (this.nanos ? Math.trunc(frac / 1000) : frac);
      used += take; n++;
      this.pos = p + hs + cap;
    }
    this.received += n;
    if (n > 0) return n;
    if (this.failed) throw this.failed;
    return this.eof && this.end === this.pos ? -1 : 0;
  }

  private fail(msg: string, inBatch: number): void {
    this.failed = new PcapRecordError(msg, this.received + inBatch + 1);
  }

  onReadable(cb: () => void): void { this.src.onData(cb); }
  inject(): void { throw new Error('cannot send on a pcap file'); }
  stats() { return { received: this.received, dropped: 0, ifdropped: 0 }; }
  close(): void { this.src.close(); }
}
