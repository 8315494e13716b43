// Which worker a record goes to (banners --jobs): every record of one ip:port to the same one, so
// its reassembly, the jarm join of its ten connections and --identify's join of its probes see all
// their records, in input order. Read from the line's text, without parsing it: the router must
// cost far less per record than the workers' parse.

/** A hash of the line's "ip" and "port" values (FNV-1a), or -1 when it has no "ip" string (a
 *  status or shard record: those all go to one worker, in order). A hostile line whose key is
 *  hidden in another string only lands on another worker: each worker checks every record. */
export function routeHash(line: string): number {
  const i = line.indexOf('"ip":"');
  if (i < 0) return -1;
  const end = line.indexOf('"', i + 6);
  if (end < 0) return -1;
  let h = 0x811c9dc5;
  for (let k = i + 6; k < end; k++) h = Math.imul(h ^ line.charCodeAt(k), 0x01000193);
  const p = line.indexOf('"port":');
  if (p >= 0) {
    for (let k = p + 7; k < line.length; k++) {
      const c = line.charCodeAt(k);
      if (c < 48 || c > 57) break;
      h = Math.imul(h ^ c, 0x01000193);
    }
  }
  return h >>> 0;
}

/** The worker of a line among `jobs`. */
export function routeOf(line: string, jobs: number): number {
  const h = routeHash(line);
  return h < 0 ? 0 : h % jobs;
}
