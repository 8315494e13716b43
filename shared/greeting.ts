// The end of a server-first greeting, told from its last bytes (catch: one segment; banners'
// reassembly: the response so far): the servers that speak first
// (ssh, ftp, smtp, pop3, imap; the null probe's) send one greeting and then wait for us, so
// once its final line is in, the rest of the idle wait (catch --rst-idle, 4 s) only holds a
// connection, and a forked daemon, open. On a 2-core testbed at 1,000 SYNs/s those held
// sshd and vsftpd processes starved the servers (ListenOverflows) and the capture.
// A final line: SSH's version line, an FTP/SMTP reply without the "-" of a continuation
// (220 ready, not 220-more), POP3's +OK/-ERR, IMAP's untagged OK/PREAUTH/BYE.
const FINAL = /^(?:SSH-\d|\d{3}(?: |\r?\n)|\+OK|-ERR|\* (?:OK|PREAUTH|BYE))/;
const LF = 0x0a;
// How a greeting starts, for a response whose kind is not known yet.
const START = /^(?:SSH-\d|\d{3}[ -]|\+OK|-ERR|\* (?:OK|PREAUTH|BYE))/;

/** Whether the first bytes of a response are a greeting's. */
export function greetingStart(b: Uint8Array): boolean {
  return START.test(Buffer.from(b.buffer, b.byteOffset, Math.min(16, b.length)).toString('latin1'));
}
const MAX_LINE = 1024;   // a longer last line is no greeting's

/** Whether the segment's captured bytes b[off, off+len) end with a greeting's final line. The
 *  segment's start counts as a line start: without the response's offset (no timestamps) the
 *  first segment cannot be told, and a segment cut inside a line rarely starts as a final line
 *  does (and one cut between lines that does start so is the final line). */
export function greetingComplete(b: Uint8Array, off: number, len: number): boolean {
  if (len < 2 || b[off + len - 1] !== LF) return false;
  let s = off + len - 2;
  while (s >= off && b[s] !== LF && off + len - s < MAX_LINE) s--;
  if (s >= off && b[s] !== LF) return false;   // longer than MAX_LINE
  const line = Buffer.from(b.buffer, b.byteOffset + s + 1, Math.min(16, off + len - s - 1)).toString('latin1');
  return FINAL.test(line);
}
