// scan's progress, merged from its stages' status records (their own live lines cannot work:
// their stderr is a pipe to scan): targets gives the total, blast the SYNs and packets sent,
// catch what was found. On a terminal one live line in masscan's and zmap's manner,
//   0:00:12  42.10%  0:00:16 left  4,980 SYNs/s (5,012 pkt/s)  1,234 open (2.93%)  5 closed  0 drops
// with a countdown once every SYN is out; with --status-ndjson one merged record a second
// (total, percent, eta_s, ...). Stage records are consumed either way.
import { Writable } from 'stream';
import { Status, StatusFields } from '../status';
import { statusTap } from './status-tap';
import { clock } from '../formats/live';

export interface ScanProgressOptions {
  ndjson?: boolean;
  quiet?: boolean;
  /** Seconds the scan waits after the last SYN (the cooldown, or blast's linger). */
  cooldown?: number;
  now?: () => number;   // tests
}

const group = (n: number) => Math.round(n).toLocaleString('en-US');

export class ScanProgress {
  private latest: Record<string, Record<string, number>> = {};
  private status: Status;
  private sentAt = 0;   // when blast had sent every target (the cooldown's start), 0 before
  private sendingPps = 0;   // the SYN rate while sending, kept through the cooldown
  private finished = false;
  private now: () => number;
  private started = Date.now();

  constructor(private err: Writable, private opts: ScanProgressOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.status = new Status('scan', err, () => this.sample(), { ndjson: opts.ndjson, quiet: opts.quiet });
  }

  /** The merged fields and the live line. */
  sample(): { fields: StatusFields; text: string } {
    const t = this.latest.targets ?? {}, b = this.latest.blast ?? {}, c = this.latest.catch ?? {};
    // A walk record (targets --walk) leaves the total to blast, which expands it; an ARP scan's
    // targets are asked by blast's LAN pass, not sent as SYNs: they count as sent.
    const total = t.total ?? b.total ?? 0, syns = (b.syns ?? 0) + (b.arp_scanned ?? 0), sent = b.sent ?? 0, pps = b.pps ?? 0;
    // blast's pps is every packet over its time so far; the SYNs' share of it is their rate,
    // until the cooldown (where it only falls) starts.
    if (!this.sentAt) this.sendingPps = sent > 0 ? Math.round((pps * syns) / sent) : 0;
    const synPps = this.sendingPps;
    const percent = total > 0 ? Math.min(100, Math.floor((syns / total) * 10000) / 100) : 0;
    const cooldown = this.opts.cooldown ?? 0;
    const coolLeft = this.finished ? 0 : this.sentAt ? Math.max(0, cooldown - (this.now() - this.sentAt) / 1000) : cooldown;
    const eta = total > 0 && syns < total ? (synPps > 0 ? (total - syns) / synPps + cooldown : -1) : coolLeft;
    const open = c.open ?? 0, closed = c.closed ?? 0, drops = c.kernel_drops ?? 0;
    // Hosts up: echo replies (catch) and ARP/NDP answers (blast).
    const alive = (c.alive ?? 0) + (b.arp_alive ?? 0);
    const hit = syns > 0 ? Math.round((open / syns) * 10000) / 100 : 0;
    const fields: StatusFields = {
      total, syns, percent, eta_s: eta < 0 ? -1 : Math.round(eta), phase: this.sentAt ? 'cooldown' : 'sending',
      syn_pps: synPps, pps, open, closed, segment: c.segment ?? 0, hit_rate: hit, alive, kernel_drops: drops,
    };
    const elapsed = clock((this.now() - this.started) / 1000);
    const where = this.sentAt ? `100%  cooldown ${clock(coolLeft)} left`
      : total > 0 ? `${percent.toFixed(2)}%  ${eta < 0 ? '-:--:--' : clock(eta)} left` : '';
    const text = [elapsed, where, `${group(synPps)} SYNs/s (${group(pps)} pkt/s)`, `${group(open)} open (${hit.toFixed(2)}%)`,
      `${group(closed)} closed`, ...(c.segment ? [`${group(c.segment)} segments`] : []), ...(alive ? [`${group(alive)} alive`] : []), `${group(drops)} drops`]
      .filter(Boolean).join('  ');
    return { fields, text };
  }

  /** True when progress is shown (a terminal's live line, or --status-ndjson). */
  get active(): boolean { return this.status.active; }

  start(): void { this.started = this.now(); this.status.start(); }
  /** Ends the line; with --status-ndjson writes the final merged record. */
  stop(): void { this.finished = true; this.status.stop(true); }

  /** Clears the live line before results are written to the same terminal. */
  clear(): void { this.status.clear(); }

  /** stderr of one stage: its status records feed the progress, anything else is passed on
   *  whole (after clearing the live line, so the message stands alone). */
  sink(stage: string): Writable {
    return statusTap(this.err, (rec) => {
      this.latest[stage] = rec;
      // The cooldown starts when blast has sent the last target.
      const total = this.latest.targets?.total ?? this.latest.blast?.total ?? 0;
      if (stage === 'blast' && !this.sentAt && total > 0 && (rec.syns ?? 0) + (rec.arp_scanned ?? 0) >= total) {
        this.sample();
        this.sentAt = this.now();
      }
      return true;
    }, this.opts.ndjson ? '' : '\r\x1b[2K');
  }
}
