// Which worker a record goes to (banners --jobs): every record of one ip:port to the same one, so
// its reassembly, the jarm join of its ten connections and --identify's join of its probes see all
// their records, in input order. Read from the line's bytes, without parsing it: the router must
// cost far less per record than the workers' parse.

const IP_KEY = Buffer.from('"ip":"');
const PORT_KEY = Buffer.from('"port":');

/** A hash (FNV-1a) of the "ip" and "port" values of the line buf[start, end), or -1 when it has
 *  no "ip" string (a status or shard record: those all go to one worker, in order). A key quoted
 *  inside a string value is escaped in JSON text (\"ip\":), so it is never taken for one; a
 *  hostile line could only land on another worker, and each worker checks every record. */
export function routeHash(buf: Uint8Array, start: number, end: number): number {
  const line = Buffer.from(buf.buffer, buf.byteOffset + start, end - start);
  const i = line.indexOf(IP_KEY);
  if (i < 0) return -1;
  const q = line.indexOf(34, i + IP_KEY.length);
  if (q < 0) return -1;
  let h = 0x811c9dc5;
  for (let k = i + IP_KEY.length; k < q; k++) h = Math.imul(h ^ line[k], 0x01000193);
  const p = line.indexOf(PORT_KEY);
  if (p >= 0) {
    for (let k = p + PORT_KEY.length; k < line.length; k++) {
      const c = line[k];
      if (c < 48 || c > 57) break;
      h = Math.imul(h ^ c, 0x01000193);
    }
  }
  return h >>> 0;
}

/** The worker of a line among `jobs`. */
export function routeOf(buf: Uint8Array, start: number, end: number, jobs: number): number {
  const h = routeHash(buf, start, end);
  return h < 0 ? 0 : h % jobs;
}
