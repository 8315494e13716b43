// A classic pcap file reader in TypeScript with the native Capture's batch shape, used when the
// native module is not built (pure-TS tests) and for captures read from a stream. Records are
// parsed in place in the caller's buffer: a read fills it with whole file chunks and points
// meta at the packets, so no packet is copied or allocated on its own.
//
// file header  0 magic (a1b2c3d4 us | a1b23c4d ns, either byte order) 4 major 6 minor
//              8 thiszone 12 sigfigs 16 snaplen 20 linktype
// record       0 ts_sec 4 ts_usec|ts_nsec 8 incl_len 12 orig_len 16 data[incl_len]
import * as fs from 'fs';
import type { Readable } from 'stream';

const MAX_RECORD = 1 << 20;   // larger incl_len means a corrupt file, not a packet

export class PcapFormatError extends Error {}

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
  private little = true;
  private nanos = false;
  private carry = new Uint8Array(0);   // the unparsed tail of the last read
  private headerDone = false;
  private eof = false;
  received = 0;
  /** Bytes of a last record cut off by the end of the file (0 when the file ended cleanly). */
  truncatedTail = 0;

  private constructor(private src: ByteSource) {}

  static openFile(file: string): PcapReader {
    return new PcapReader(new FileBytes(fs.openSync(file, 'r')));
  }

  static openStream(s: Readable): PcapReader {
    return new PcapReader(new StreamBytes(s));
  }

  /** Reads and checks the file header; false when more bytes are needed (stream). Throws
   *  PcapFormatError when the bytes are not a classic pcap file. */
  begin(): boolean {
    if (this.headerDone) return true;
    const h = new Uint8Array(24);
    h.set(this.carry, 0);
    let have = this.carry.length;
    while (have < 24) {
      const n = this.src.take(h, have, 24 - have);
      if (n === -1) { this.carry = h.slice(0, have); return false; }
      if (n === 0) break;
      have += n;
    }
    if (have < 4) throw new PcapFormatError(have === 0 ? 'empty file' : 'not a pcap file (too short)');
    const le = h[0] | (h[1] << 8) | (h[2] << 16) | (h[3] << 24);
    const be = (h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3];
    if ((le >>> 0) === 0x0a0d0d0a) throw new PcapFormatError('pcapng file: reading pcapng needs the native module (run make), or convert it with: tcpdump -r FILE -w out.pcap');
    if ((le >>> 0) === 0xa1b2c3d4 || (le >>> 0) === 0xa1b23c4d) { this.little = true; this.nanos = (le >>> 0) === 0xa1b23c4d; }
    else if ((be >>> 0) === 0xa1b2c3d4 || (be >>> 0) === 0xa1b23c4d) { this.little = false; this.nanos = (be >>> 0) === 0xa1b23c4d; }
    else throw new PcapFormatError('not a pcap file (bad magic number)');
    if (have < 24) throw new PcapFormatError('truncated pcap file header');
    this.linktype = this.u32(h, 20) & 0x0fffffff;
    this.carry = new Uint8Array(0);
    this.headerDone = true;
    return true;
  }

  private u32(b: Uint8Array, o: number): number {
    return this.little ? ((b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0)
      : (((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0);
  }

  /** Same contract as native Capture.read: count, 0 when nothing is ready, -1 at the end. */
  read(buf: Uint8Array, meta: Uint32Array, times: Float64Array, maxPackets: number): number {
    if (!this.headerDone && !this.begin()) return 0;
    if (this.eof && this.carry.length === 0) return -1;
    // Carry first, then as much of the source as fits.
    let len = this.carry.length;
    buf.set(this.carry, 0);
    while (!this.eof && len < buf.length) {
      const n = this.src.take(buf, len, buf.length - len);
      if (n === -1) break;
      if (n === 0) { this.eof = true; break; }
      len += n;
    }
    let o = 0, i = 0;
    while (i < maxPackets && o + 16 <= len) {
      const incl = this.u32(buf, o + 8);
      if (incl > MAX_RECORD) throw new PcapFormatError(`corrupt pcap record after ${this.received} packets (captured length ${incl})`);
      if (incl > buf.length - 16) throw new PcapFormatError(`pcap record of ${incl} bytes is larger than the read buffer`);
      if (o + 16 + incl > len) break;
      const sec = this.u32(buf, o), frac = this.u32(buf, o + 4);
      meta[3 * i] = o + 16; meta[3 * i + 1] = incl; meta[3 * i + 2] = Math.max(this.u32(buf, o + 12), incl);
      times[i] = sec * 1e6 + (this.nanos ? Math.floor(frac / 1000) : frac);
      o += 16 + incl; i++;
    }
    this.carry = buf.slice(o, len);
    this.received += i;
    if (i === 0 && this.eof) {
      this.truncatedTail = this.carry.length;
      this.carry = new Uint8Array(0);
      return -1;
    }
    return i;
  }

  onReadable(cb: () => void): void { this.src.onData(cb); }
  inject(): void { throw new Error('cannot send on a pcap file'); }
  stats() { return { received: this.received, dropped: 0, ifdropped: 0 }; }
  close(): void { this.src.close(); }
}
