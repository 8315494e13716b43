// Writes captured packets to a pcap or pcapng file as they come (catch --save), one write per
// batch, so a live run can be replayed later through catch --pcap. Any failed or short write
// (a full disk) throws: a capture that silently lost packets would replay differently.
//
// pcap    header  0 magic a1b2c3d4 (microseconds, little-endian) 4 major 2 6 minor 4 8 thiszone
//                 12 sigfigs 16 snaplen 20 linktype
//         record  0 ts_sec 4 ts_usec 8 incl_len 12 orig_len 16 data[incl_len]
// pcapng  SHB  0 type 0a0d0d0a 4 len 28 8 byte-order magic 1a2b3c4d 12 major 1 14 minor 0
//              16 section length -1 (8 bytes) 24 len
//         IDB  0 type 1 4 len 20 8 linktype 10 reserved 12 snaplen 16 len  (microseconds: the default)
//         EPB  0 type 6 4 len 8 interface 0 12 ts high 16 ts low 20 caplen 24 origlen 28 data, pad to 4, len
import * as fs from 'fs';

export type SaveFormat = 'pcap' | 'pcapng';

/** pcapng for a name ending in .pcapng, else classic pcap. */
export function saveFormatOf(file: string): SaveFormat {
  return /\.pcapng$/i.test(file) ? 'pcapng' : 'pcap';
}

export class PcapWriter {
  private buf = Buffer.allocUnsafe(1 << 20);
  private pos = 0;
  packets = 0;

  /** Writes the file header to fd (open for writing, the caller's to close) at once; throws its
   *  write error. */
  constructor(private fd: number, readonly format: SaveFormat, linktype: number, snaplen: number) {
    if (format === 'pcap') {
      const h = this.room(24);
      h.writeUInt32LE(0xa1b2c3d4, 0); h.writeUInt16LE(2, 4); h.writeUInt16LE(4, 6);
      h.writeInt32LE(0, 8); h.writeUInt32LE(0, 12); h.writeUInt32LE(snaplen, 16); h.writeUInt32LE(linktype, 20);
    } else {
      const s = this.room(28);
      s.writeUInt32LE(0x0a0d0d0a, 0); s.writeUInt32LE(28, 4); s.writeUInt32LE(0x1a2b3c4d, 8);
      s.writeUInt16LE(1, 12); s.writeUInt16LE(0, 14); s.writeInt32LE(-1, 16); s.writeInt32LE(-1, 20); s.writeUInt32LE(28, 24);
      const i = this.room(20);
      i.writeUInt32LE(1, 0); i.writeUInt32LE(20, 4); i.writeUInt16LE(linktype, 8); i.writeUInt16LE(0, 10);
      i.writeUInt32LE(snaplen, 12); i.writeUInt32LE(20, 16);
    }
    this.flush();
  }

  private room(n: number): Buffer {
    if (this.pos + n > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.pos + n) size *= 2;
      const b = Buffer.allocUnsafe(size);
      this.buf.copy(b, 0, 0, this.pos);
      this.buf = b;
    }
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** Adds one packet: cap bytes at b[off], wire bytes on the wire, time in microseconds. */
  add(b: Uint8Array, off: number, cap: number, wire: number, timeUs: number): void {
    if (this.format === 'pcap') {
      const r = this.room(16 + cap);
      r.writeUInt32LE(Math.floor(timeUs / 1e6), 0); r.writeUInt32LE(timeUs % 1e6, 4);
      r.writeUInt32LE(cap, 8); r.writeUInt32LE(wire, 12);
      r.set(b.subarray(off, off + cap), 16);
    } else {
      const pad = (4 - (cap % 4)) % 4, len = 32 + cap + pad;
      const e = this.room(len);
      e.writeUInt32LE(6, 0); e.writeUInt32LE(len, 4); e.writeUInt32LE(0, 8);
      e.writeUInt32LE(Math.floor(timeUs / 2 ** 32), 12); e.writeUInt32LE(timeUs % 2 ** 32, 16);
      e.writeUInt32LE(cap, 20); e.writeUInt32LE(wire, 24);
      e.set(b.subarray(off, off + cap), 28);
      e.fill(0, 28 + cap, 28 + cap + pad);
      e.writeUInt32LE(len, len - 4);
    }
    this.packets++;
  }

  /** Writes what was added since the last flush; throws when the file takes less. */
  flush(): void {
    let o = 0;
    while (o < this.pos) {
      const n = fs.writeSync(this.fd, this.buf, o, this.pos - o);
      if (n <= 0) throw new Error('short write');
      o += n;
    }
    this.pos = 0;
  }
}
