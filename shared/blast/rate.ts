// One token budget for everything blast puts on the wire (SYNs, retries, ACK+probe, RST).
//
// Tokens accrue at `rate` per second from a monotonic clock and are spent only for packets the
// kernel accepted, so the long-run rate is exact whatever the timer jitter. Two kinds of pause
// are told apart: when the loop was busy (parsing stdin, a GC pause: measured up to 90 ms at
// 100 kpps) the debt is caught up, up to `cap` (250 ms worth), or a 10 s run comes out 5-10%
// slow; when it had nothing to send (stdin stalled, retries not due) idle() drops the credit,
// so no burst follows a lull. cap >= 2 keeps timer oversleep of a fraction of a token from
// being clipped, which would drag low rates down by a percent or more.
export class TokenBucket {
  private tokens: number;
  private last: number;
  readonly cap: number;

  /** rate <= 0 or Infinity means unlimited. */
  constructor(readonly rate: number, private now: () => number = () => performance.now(), capSeconds = 0.25) {
    this.cap = this.unlimited ? Infinity : Math.max(2, rate * capSeconds);
    this.tokens = this.unlimited ? Infinity : 1;   // the first packet goes out at once
    this.last = now();
  }

  get unlimited(): boolean { return !(this.rate > 0) || this.rate === Infinity; }

  /** Whole packets that may be sent now, at most max. */
  available(max: number): number {
    if (this.unlimited) return max;
    const t = this.now();
    this.tokens = Math.min(this.cap, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
    return Math.min(max, Math.floor(this.tokens));
  }

  spend(n: number): void {
    if (!this.unlimited) this.tokens -= n;
  }

  /** Nothing was ready to send: keep at most one token (or 5 ms worth) of credit. */
  idle(): void {
    if (!this.unlimited) this.tokens = Math.min(this.tokens, Math.max(1, this.rate * 0.005));
  }

  /** Milliseconds until one more token is due (0 when one is there). */
  waitMs(): number {
    if (this.unlimited || this.tokens >= 1) return 0;
    return ((1 - this.tokens) / this.rate) * 1000;
  }
}

/** ZMap's -B: bits per second on the wire to packets per second, counting the Ethernet
 *  preamble, inter-frame gap and FCS (24 bytes) and the 64-byte minimum frame. */
export function bandwidthToRate(bitsPerSecond: number, frameBytes: number): number {
  const wire = Math.max(frameBytes + 4, 64) + 20;
  return bitsPerSecond / (wire * 8);
}
