// banners' conversations (trawl.7 CONVERSATIONS): the probe of a connection may say what to send
// after the server's first answer (the https probe: our Finished and the HTTP request). The table
// feeds each talker the connection's stream as it is reassembled; what a talker says goes to
// blast as an ACK_PAYLOAD request on the replies FIFO, sealed like catch's, at the sequence
// number the server acknowledged (our ISN + 1 + the probe) and acknowledging what we hold. blast
// checks its cookie like any request's, and re-arms the connection's idle RST past it.
import type { AnyRecord } from '../records';
import { encodeReply, ReplyRequest, REPLY_ACK_PAYLOAD, REPLY_F_TS, REPLY_MAX_FRAME } from '../replies';
import { RepliesOut } from '../replies-out';
import { parseIPv4 } from '../ipv4';
import { ipv6Bytes, parseIPv6 } from '../ipv6';
import { probeByName } from '../probes';
import { namedConfig, type ProbeConfig, type Talker } from '../probes/types';
import type { Conversations } from './table';
import type { Segment } from './segment';

/** The window our message offers: the server may send its whole answer (catch then holds it to --max-banner). */
const WINDOW = 65535;

export class ReplyTalk implements Conversations {
  private buf = new Uint8Array(REPLY_MAX_FRAME);

  /** rstIdleMs: the idle RST blast arms past our message (catch --rst-idle). */
  constructor(private cfg: ProbeConfig, private out: RepliesOut, private rstIdleMs: number) {}

  talker(meta: AnyRecord): Talker | null {
    const p = typeof meta.probe === 'string' ? probeByName(meta.probe) : undefined;
    if (!p?.converse || typeof meta.ip !== 'string' || typeof meta.port !== 'number') return null;
    // A named target's (blast's sent record, joined by the table): its name is the SNI and Host.
    const cfg = typeof meta.name === 'string' && p.named ? namedConfig(this.cfg, meta.name) : this.cfg;
    return p.converse(cfg, meta.ip, meta.port);
  }

  send(s: Segment, next: number, payload: Uint8Array): void {
    const m = s.meta, rp = s.reply!;
    const slot = probeByName(m.probe as string)!.slot;
    const ts = rp.tsval !== undefined && rp.tsecr !== undefined;
    const r: ReplyRequest = {
      kind: REPLY_ACK_PAYLOAD, slot, daddr: 0, saddr: 0, dport: m.port as number, sport: m.sport as number,
      seq: rp.ack, ack: next, window: WINDOW, delay_ms: this.rstIdleMs,
      // Our TSval repeats the stamp the server echoes (the ISN it carries gives every later
      // segment its offset, shared/catch/ts-stamp.ts); our TSecr is the server's last TSval.
      flags: ts ? REPLY_F_TS : 0, tsval: ts ? rp.tsecr : 0, tsecr: ts ? rp.tsval : 0, payload,
    };
    if (rp.ourIp.includes(':')) {
      const d = parseIPv6(m.ip as string), o = parseIPv6(rp.ourIp);
      if (typeof d === 'string' || typeof o === 'string') return;
      r.family = 6; r.daddr6 = new Uint8Array(16); r.saddr6 = new Uint8Array(16);
      ipv6Bytes(d, r.daddr6); ipv6Bytes(o, r.saddr6);
    } else {
      const d = parseIPv4(m.ip as string), o = parseIPv4(rp.ourIp);
      if (typeof d === 'string' || typeof o === 'string') return;
      r.daddr = d; r.saddr = o;
    }
    this.out.push(this.buf, encodeReply(r, this.buf, 0));
  }
}
