// Which job a record goes to (banners --jobs): every record of one ip:port to the same one, so
// its reassembly, the jarm join of its ten connections and --identify's join of its probes see all
// their records, in input order. Read from the line's bytes, without parsing it and without an
// object per line: the router must cost far less per record than the jobs' parse.

const IP_KEY = Buffer.from('"ip":"');
const PORT_KEY = Buffer.from('"port":');

// Where a key next occurs in the buffer being routed. Lines are routed in order, so an
// occurrence found past one line's end is kept for the next lines: a run of lines without the
// key (status records) costs one search of the buffer, not one per line.
class NextKey {
  private buf: Uint8Array | null = null;
  private from = 0;
  private at = -1;
  constructor(private key: Buffer) {}
  /** The first occurrence at or after start, or -1. */
  find(buf: Buffer, start: number): number {
    if (buf !== this.buf || start < this.from || (this.at >= 0 && this.at < start)) {
      this.buf = buf; this.from = start; this.at = buf.indexOf(this.key, start);
    }
    return this.at;
  }
}
const ip = new NextKey(IP_KEY), port = new NextKey(PORT_KEY);

/** A hash (FNV-1a) of the "ip" and "port" values of the line buf[start, end), or -1 when it has
 *  no "ip" string (a status or shard record: those all go to one job, in order). A key quoted
 *  inside a string value is escaped in JSON text (\"ip\":), so it is never taken for one; a
 *  hostile line could only land on another job, and each job checks every record. */
export function routeHash(buf: Buffer, start: number, end: number): number {
  const i = ip.find(buf, start);
  if (i < 0 || i + IP_KEY.length > end) return -1;
  const q = buf.indexOf(34, i + IP_KEY.length);
  if (q < 0 || q >= end) return -1;
  let h = 0x811c9dc5;
  for (let k = i + IP_KEY.length; k < q; k++) h = Math.imul(h ^ buf[k], 0x01000193);
  const p = port.find(buf, start);
  if (p >= 0 && p + PORT_KEY.length <= end) {
    for (let k = p + PORT_KEY.length; k < end; k++) {
      const c = buf[k];
      if (c < 48 || c > 57) break;
      h = Math.imul(h ^ c, 0x01000193);
    }
  }
  return h >>> 0;
}

/** The job of a line among `jobs`. */
export function routeOf(buf: Buffer, start: number, end: number, jobs: number): number {
  const h = routeHash(buf, start, end);
  return h < 0 ? 0 : h % jobs;
}
