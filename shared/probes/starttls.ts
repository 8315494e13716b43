// The STARTTLS probe: nothing at first (the server greets), then a conversation in the protocol
// the port and the greeting name: SMTP (EHLO, then STARTTLS when offered), IMAP (STARTTLS), POP3
// (STLS), FTP (AUTH TLS); after the server's go-ahead, the tls probe's ClientHello (without ALPN), so mail and
// FTP servers give their certificate chain (TLS 1.3 decrypted with the scan key, as for tls);
// its server_name is --sni's, or a named target's name.
// banners carries it on (trawl.7 CONVERSATIONS); the same machine, run again over the banner,
// tells where the text ends and TLS begins.
//
//   SMTP  220 greeting  -> EHLO trawl.invalid  -> 250 (STARTTLS listed) -> STARTTLS -> 220 -> hello
//   IMAP  * OK greeting -> a1 STARTTLS         -> a1 OK                                 -> hello
//   POP3  +OK greeting  -> STLS                -> +OK                                   -> hello
//   FTP   220 greeting  -> AUTH TLS            -> 234                                   -> hello
import { UsageError } from '../exit';
import { clientSecrets } from '../tls/secrets';
import { clientHello } from '../tls/hello';
import type { TlsProbeHello } from './tls';
import { ascii, concat, Probe, ProbeConfig, Talker } from './types';

export type MailProto = 'smtp' | 'imap' | 'pop3' | 'ftp';

/** The protocol a port speaks by convention, or undefined (then the greeting decides). */
const BY_PORT: Record<number, MailProto> = { 21: 'ftp', 25: 'smtp', 587: 'smtp', 2525: 'smtp', 110: 'pop3', 143: 'imap' };

/** Text read before giving up: greetings and EHLO answers are far shorter. */
const MAX_TEXT = 16384;

interface Step { send: string; ok: RegExp; no: RegExp; needs?: RegExp }

const STEPS: Record<MailProto, Step[]> = {
  smtp: [
    { send: 'EHLO trawl.invalid\r\n', ok: /^250 /, no: /^[45]\d\d /, needs: /^250[- ]STARTTLS\b/im },
    { send: 'STARTTLS\r\n', ok: /^220 /, no: /^[45]\d\d / },
  ],
  imap: [{ send: 'a1 STARTTLS\r\n', ok: /^a1 OK\b/i, no: /^a1 (NO|BAD)\b/i }],
  pop3: [{ send: 'STLS\r\n', ok: /^\+OK\b/, no: /^-ERR\b/ }],
  ftp: [{ send: 'AUTH TLS\r\n', ok: /^234 /, no: /^[45]\d\d / }],
};

/** The protocol of a greeting's first line on a port that names none. */
function fromGreeting(line: string): MailProto | undefined {
  if (/^\* OK\b/i.test(line)) return 'imap';
  if (/^\+OK\b/.test(line)) return 'pop3';
  if (/^220[- ].*\bFTP\b/i.test(line)) return 'ftp';
  if (/^220[- ]/.test(line)) return 'smtp';
  return undefined;
}

export class StarttlsTalker implements Talker {
  private text = '';
  private at = 0;              // where the next unread line starts in text
  private step = -1;           // -1: waiting for the greeting; then the step whose answer we wait for
  private proto?: MailProto;
  private over = false;
  failed?: string;
  /** Bytes of the server's stream before its TLS bytes: set when the go-ahead came. */
  tlsAt?: number;

  /** hello: the ClientHello to send after the go-ahead (null: only follow, as banners does when parsing). */
  constructor(private hello: Uint8Array | null, port: number) { this.proto = BY_PORT[port]; }

  get done(): boolean { return this.over; }
  get heldBytes(): number { return this.text.length; }
  get protocol(): MailProto | undefined { return this.proto; }

  push(bytes: Uint8Array): Uint8Array | null {
    if (this.over) return null;
    this.text += Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
    // Every whole line is read: live, one answer comes per message of ours; run over a whole
    // banner (or against a server that does not wait for us), the messages of several lines
    // go out together.
    const out: Uint8Array[] = [];
    for (let nl = this.text.indexOf('\n', this.at); nl >= 0 && !this.over; nl = this.text.indexOf('\n', this.at)) {
      const line = this.text.slice(this.at, nl).replace(/\r$/, '');
      this.at = nl + 1;
      const say = this.line(line);
      if (say !== null) out.push(typeof say === 'string' ? ascii(say) : say);
    }
    if (!this.over && this.text.length > MAX_TEXT) this.stop('no go-ahead in the first 16 KiB');
    return out.length === 0 ? null : out.length === 1 ? out[0] : concat(out);
  }

  /** One whole line of the server's; returns what to send, if anything. */
  private line(line: string): string | Uint8Array | null {
    if (this.step < 0) {
      this.proto ??= fromGreeting(line);
      const p = this.proto;
      if (!p) return this.stop(`a greeting trawl cannot converse with: ${JSON.stringify(line.slice(0, 40))}`);
      // The greeting's last line: 220 (SMTP, FTP; "220-" goes on), * OK (IMAP), +OK (POP3).
      const last = p === 'imap' ? /^\* OK\b/i : p === 'pop3' ? /^\+OK\b/ : /^220 /;
      const refused = p === 'imap' ? /^\* (BYE|PREAUTH)\b/i : p === 'pop3' ? /^-ERR\b/ : /^[45]\d\d /;
      if (refused.test(line)) return this.stop(`the greeting refused us: ${JSON.stringify(line.slice(0, 40))}`);
      if (!last.test(line)) return null;
      this.step = 0;
      return STEPS[p][0].send;
    }
    const steps = STEPS[this.proto!], s = steps[this.step];
    if (s.no.test(line)) return this.stop(`${s.send.trim()} refused: ${JSON.stringify(line.slice(0, 40))}`);
    if (!s.ok.test(line)) return null;
    if (s.needs && !s.needs.test(this.text)) return this.stop(`${s.send.trim()}: STARTTLS is not offered`);
    if (this.step + 1 < steps.length) return steps[++this.step].send;
    // The go-ahead: what follows it in the stream is TLS.
    this.tlsAt = this.at;
    this.over = true;
    return this.hello;
  }

  private stop(why: string): null {
    this.failed = why;
    this.over = true;
    return null;
  }
}

/** The ClientHello sent after the go-ahead: the tls probe's certificate-only form without ALPN
 *  (Exim refuses http/1.1 with a no_application_protocol alert), recomputed by banners. */
export function starttlsProbeHello(key: Uint8Array, sni?: string): TlsProbeHello {
  const secrets = clientSecrets(key);
  return { secrets, hello: clientHello(secrets, { sni, legacy: true, alpn: false }) };
}

export const starttlsProbe: Probe = {
  name: 'starttls',
  slot: 11,
  description: 'nothing at first; after the greeting, SMTP EHLO+STARTTLS, IMAP STARTTLS, POP3 STLS or FTP AUTH TLS, then the tls probe\'s ClientHello (banners --replies)',
  ports: [],
  services: ['smtp', 'imap', 'pop3', 'ftp'],
  payload: () => ({ before: new Uint8Array(0) }),
  // A named target's first payload is nothing all the same; its name is the server_name of the
  // hello after the go-ahead, which converse builds from the name blast's sent record gives.
  named: () => ({ before: new Uint8Array(0) }),
  converse(cfg: ProbeConfig, _ip: string, port: number): Talker {
    if (!cfg.key) throw new UsageError('the starttls probe needs the scan key (its ClientHello comes from it)');
    return new StarttlsTalker(starttlsProbeHello(cfg.key, cfg.sni).hello, port);
  },
};
