// banners' JARM join: the banners of the jarm probe's ten connections to one ip:port (told
// apart by probe_variant) are held until all ten are in, or the port has been quiet for the
// wait (record time), then written as one banner: the record of the lowest variant that
// answered (probe_variant says which) with the port's JARM added (jarm, jarm_raw). A variant
// with no banner counts as no answer ("|||") and the record says so (jarm_partial, jarm_missing):
// a lost packet, unlike a refusal, is not the server's fingerprint. Bounded like the
// reassembly table: at most maxPorts ports and maxBytes held (a held record's JSON size), the
// one waiting longest written early when full (counted); every one written at the end of input.
import type { AnyRecord } from '../records';
import { VARIANTS } from '../cookie';
import { LruMap } from '../reassembly/lru';
import { jarmAnswer } from './answer';
import { jarmHash, jarmRaw, NO_ANSWER } from './hash';

export interface JarmLimits { maxPorts: number; maxBytes: number; waitUs: number }

interface Port { first: AnyRecord; answers: (string | undefined)[]; got: number; bytes: number }

export class JarmJoin {
  private ports = new LruMap<Port>();
  private clock = -Infinity;
  private bytes = 0;
  /** Ports written with all ten answers, written with some missing, and written early (a bound). */
  whole = 0;
  partial = 0;
  evicted = 0;
  /** Banners that came again for a variant already held (the first one counts). */
  repeated = 0;

  constructor(private limits: JarmLimits, private emit: (rec: AnyRecord) => void) {}

  get held(): number { return this.ports.size; }
  get heldBytes(): number { return this.bytes; }

  /** A jarm banner (probe "jarm", probe_variant 0..9); false for any other, which the caller writes. */
  add(rec: AnyRecord): boolean {
    const v = rec.probe_variant;
    if (rec.probe !== 'jarm' || typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= VARIANTS) return false;
    if (typeof rec.time_us === 'number') this.tick(rec.time_us);
    const key = `${rec.ip}|${rec.port}`;
    let p = this.ports.get(key);
    const size = JSON.stringify(rec).length;
    if (!p) {
      while (this.ports.size > 0 && (this.ports.size >= this.limits.maxPorts || this.bytes + size > this.limits.maxBytes)) {
        this.evicted++;
        this.flushOne();
      }
      p = { first: rec, answers: new Array(VARIANTS).fill(undefined), got: 0, bytes: size };
      this.bytes += size;
    } else if (p.answers[v] !== undefined) {
      this.repeated++;
      this.ports.touch(key, p, this.clock);
      return true;
    } else if ((p.first.probe_variant as number) > v) {
      this.bytes += size - p.bytes;
      p.first = rec; p.bytes = size;
    }
    const data = typeof rec.data === 'string' ? Buffer.from(rec.data, 'base64') : Buffer.alloc(0);
    p.answers[v] = jarmAnswer(data);
    p.got++;
    if (p.got === VARIANTS) this.write(key, p);
    else this.ports.touch(key, p, this.clock);
    return true;
  }

  /** Record time moves on: ports quiet for the wait are written with what they have. */
  tick(t: number): void {
    if (t <= this.clock) return;
    this.clock = t;
    for (let o = this.ports.oldest(); o && o.at <= t - this.limits.waitUs; o = this.ports.oldest()) this.write(o.key, o.v);
  }

  /** Writes the port waiting longest; false when none is left. */
  flushOne(): boolean {
    const o = this.ports.oldest();
    if (!o) return false;
    this.write(o.key, o.v);
    return true;
  }

  private write(key: string, p: Port): void {
    this.ports.delete(key);
    this.bytes -= p.bytes;
    const raw = jarmRaw(p.answers.map((a) => a ?? NO_ANSWER));
    const out: AnyRecord = { ...p.first, jarm: jarmHash(raw), jarm_raw: raw };
    if (p.got < VARIANTS) {
      this.partial++;
      out.jarm_partial = true;
      out.jarm_missing = p.answers.flatMap((a, v) => (a === undefined ? [String(v)] : [])).join(',');
    } else this.whole++;
    this.emit(out);
  }
}
