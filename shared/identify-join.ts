// banners --identify (LZR's idea, with trawl's several probes per port): the banners of one
// (ip, port) from the identification probes (null, http, tls: each its own connection) are held
// until all are in, or until the port has been quiet for --idle in record time (a probe the
// service does not answer never gives a banner), then written together, each with the service
// their answers decide (identified_service) and the probe whose answer decided it
// (identified_by). Bounded like the reassembly table: --max-connections ports and --max-bytes of
// their banners' data at once, the port waiting longest written early when either is full
// (counted), every one written at the end of input.
import type { AnyRecord } from './records';
import { LruMap } from './reassembly/lru';

/** The probes --identify sends on every port, in the order their answers are trusted. */
export const IDENTIFY_PROBES = ['null', 'tls', 'http'] as const;

interface Port { banners: AnyRecord[]; probes: Set<string>; bytes: number }

// What a held banner costs, roughly: its raw bytes and certificate as the record carries them.
const size = (rec: AnyRecord) => (typeof rec.data === 'string' ? rec.data.length : 0) + (typeof rec.cert_der === 'string' ? rec.cert_der.length : 0);

export class IdentifyJoin {
  private ports = new LruMap<Port>();
  private clock = -Infinity;
  /** Ports written early because the table was full, and ports written with every probe's answer. */
  evicted = 0;
  whole = 0;
  /** Bytes of data held (size() of every banner waiting). */
  bytes = 0;

  constructor(private maxPorts: number, private idleUs: number, private emit: (recs: AnyRecord[]) => void, private maxBytes = Infinity) {}

  get held(): number { return this.ports.size; }

  private out(key: string, p: Port): void {
    this.ports.delete(key);
    this.bytes -= p.bytes;
    this.emit(decide(p.banners));
  }

  /** One banner: held with its port's others; written with them when the last one comes. */
  add(rec: AnyRecord): void {
    if (typeof rec.time_us === 'number') this.tick(rec.time_us);
    const key = `${rec.ip}|${rec.port}`;
    let p = this.ports.get(key);
    if (!p) {
      if (this.ports.size >= this.maxPorts) { this.evicted++; this.flushOne(); }
      p = { banners: [], probes: new Set(), bytes: 0 };
    }
    p.banners.push(rec);
    const n = size(rec);
    p.bytes += n; this.bytes += n;
    if (typeof rec.probe === 'string') p.probes.add(rec.probe);
    if (IDENTIFY_PROBES.every((x) => p!.probes.has(x))) {
      this.whole++;
      this.out(key, p);
      return;
    }
    this.ports.touch(key, p, this.clock);
    // Over the byte bound: the ports waiting longest go first (this one last).
    while (this.bytes > this.maxBytes && this.ports.size > 0) { this.evicted++; this.flushOne(); }
  }

  /** Record time moves on: ports quiet since --idle are written. */
  tick(t: number): void {
    if (t <= this.clock) return;
    this.clock = t;
    for (let o = this.ports.oldest(); o && o.at <= t - this.idleUs; o = this.ports.oldest()) this.out(o.key, o.v);
  }

  /** Writes the port waiting longest; false when none is left. */
  flushOne(): boolean {
    const o = this.ports.oldest();
    if (!o) return false;
    this.out(o.key, o.v);
    return true;
  }
}

/**
 * The service of a port from its banners: a server that speaks first names itself to every
 * probe (the null probe's answer, or any answer that is no answer to our probe), so an
 * identified null banner decides; then a TLS answer to the tls probe; then an HTTP answer to the
 * http probe; then any identified banner; else unknown. Each banner gets the decision.
 */
export function decide(banners: AnyRecord[]): AnyRecord[] {
  const known = (b: AnyRecord) => typeof b.service === 'string' && b.service !== 'unknown';
  const by = (probe: string, service?: string) => banners.find((b) => b.probe === probe && known(b) && (!service || b.service === service));
  const pick = by('null') ?? by('tls', 'tls') ?? by('http', 'http') ?? banners.find(known);
  for (const b of banners) {
    b.identified_service = pick ? pick.service : 'unknown';
    if (pick) b.identified_by = pick.probe;
  }
  return banners;
}
