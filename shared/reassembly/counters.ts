// What the reassembly table counts: segments in, banners out by how they ended, and everything it
// dropped or let go early because of its bounds (banners' summary and status report these).
export type End = 'fin' | 'complete' | 'rst' | 'idle' | 'limit' | 'eof' | 'evicted';

export class ReassemblyCounters {
  segments = 0;
  /** Banner records made from segments, and how their connections ended. */
  connections = 0;
  ends: Record<End, number> = { fin: 0, complete: 0, rst: 0, idle: 0, limit: 0, eof: 0, evicted: 0 };
  /** Connections let go early because the table was full (--max-connections) or held too many bytes (--max-bytes). */
  evicted_entries = 0;
  evicted_bytes = 0;
  /** Segments of a connection already written (after its FIN, RST, limit or protocol end): dropped. */
  late = 0;
  /** Segments with no offset and no `open` record to place them by: passed through as they are. */
  unjoined = 0;
  /** Segments refused by a stream with too many holes (their bytes are reported as gaps). */
  refused = 0;
  /** Server ISNs from `open` records forgotten because the table of them was full. */
  opens_forgotten = 0;
  /** `sent` records (the scanner's bytes) read, and those let go before any segment of their
   *  connection came because the table was full (--max-connections, --max-bytes); those of
   *  connections that never answered go quietly after --idle. */
  sent = 0;
  sent_forgotten = 0;
  /** blast's names (a named target's sent record) that came after their connection's first
   *  segment: the banner has the name, but a conversation had begun with the default hello. */
  name_late = 0;
  /** Conversations (banners --replies): connections that had one, messages sent, messages that
   *  could not be (a segment record without our_ip and ack, from an older catch), and talkers
   *  that stopped without their message (a version or suite they cannot finish, a server error). */
  conversations = 0;
  said = 0;
  unsaid = 0;
  talk_failed = 0;
  peak_connections = 0;
  peak_bytes = 0;

  /** The fields banners adds to its status records. */
  fields(): Record<string, number> {
    return {
      segments: this.segments, connections: this.connections, ...Object.fromEntries(Object.entries(this.ends).map(([e, n]) => [`end_${e}`, n])),
      evicted_entries: this.evicted_entries,
      evicted_bytes: this.evicted_bytes, late_segments: this.late, unjoined_segments: this.unjoined,
      refused_segments: this.refused, opens_forgotten: this.opens_forgotten, sent_segments: this.sent, sent_forgotten: this.sent_forgotten, name_late: this.name_late,
      conversations: this.conversations, said: this.said, unsaid: this.unsaid, talk_failed: this.talk_failed,
      peak_connections: this.peak_connections, peak_bytes: this.peak_bytes,
    };
  }

  /** What was dropped or let go early, for the summary line; empty when nothing was. */
  losses(): string[] {
    const out: string[] = [];
    if (this.evicted_entries) out.push(`${this.evicted_entries} connections written early because the table was full (--max-connections)`);
    if (this.evicted_bytes) out.push(`${this.evicted_bytes} connections written early because the table held too many bytes (--max-bytes)`);
    if (this.unjoined) out.push(`${this.unjoined} segments passed through unjoined (no offset and no open record for them)`);
    if (this.refused) out.push(`${this.refused} segments refused by streams with too many holes`);
    if (this.unsaid) out.push(`${this.unsaid} messages of conversations not sent: their segment records carry no our_ip and ack (an older catch?)`);
    if (this.opens_forgotten) out.push(`${this.opens_forgotten} open records forgotten before their segments came (--max-connections)`);
    return out;
  }
}
