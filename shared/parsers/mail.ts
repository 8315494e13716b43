// What FTP, SMTP, POP3 and IMAP greetings share: reply-code lines, host names, known server software.
import { Fields } from './types';
import { MAX_FIELD, clean, latin1 } from './text';
import { cutAtCodePoint } from '../quote';

/** A numeric reply ("220-..." continued, "220 ..." last), as FTP and SMTP send them. */
export interface Reply { code: number; text: string[]; complete: boolean }

export function replyOf(lines: Uint8Array[]): Reply | null {
  let code = -1;
  const text: string[] = [];
  for (const line of lines) {
    const head = latin1(line, 0, 4);
    const m = /^(\d{3})([ -]|$)/.exec(head);
    if (code < 0) {
      if (!m) return null;
      code = Number(m[1]);
    }
    // Continuation lines need not start with the code (RFC 959 4.2); the last one does, with a space.
    const own = m && Number(m[1]) === code;
    text.push(clean(line, own ? 4 : 0));
    if (own && m![2] !== '-') return { code, text, complete: true };
    if (text.length >= 16) break;
  }
  return code < 0 ? null : { code, text, complete: false };
}

/** A token that looks like a DNS host name with at least one dot (not a version number). */
export function hostLike(tok: string | undefined): string | undefined {
  if (!tok || tok.length > 253) return undefined;
  const t = tok.replace(/^\[|\]$/g, '');
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+\.?$/.test(t)) return undefined;
  if (/^[\d.]+$/.test(t) && !/^\d+\.\d+\.\d+\.\d+$/.test(t)) return undefined;
  return t;
}

// Known server software in greetings, tried in order on one bounded line (never the whole payload).
const SOFTWARE: [RegExp, (m: RegExpExecArray) => string][] = [
  [/\bvsFTPd ([\w.-]+)/, (m) => `vsFTPd ${m[1]}`],
  [/\bProFTPD(?: ([\d.]+\w*))?/, (m) => (m[1] ? `ProFTPD ${m[1]}` : 'ProFTPD')],
  [/\bPure-FTPd\b/, () => 'Pure-FTPd'],
  [/\bFileZilla Server(?: (?:version )?([\w.-]+))?/i, (m) => (m[1] ? `FileZilla Server ${m[1]}` : 'FileZilla Server')],
  [/\bMicrosoft FTP Service\b/, () => 'Microsoft FTP Service'],
  [/\bServ-U FTP Server v?([\w.]+)/, (m) => `Serv-U ${m[1]}`],
  [/\bExim ([\d.]+)/, (m) => `Exim ${m[1]}`],
  [/\bPostfix\b/, () => 'Postfix'],
  [/\bSendmail ([\w.\/+-]+)/, (m) => `Sendmail ${m[1]}`],
  [/\bMicrosoft ESMTP MAIL Service(?:, Version: ([\d.]+))?/, (m) => (m[1] ? `Microsoft ESMTP ${m[1]}` : 'Microsoft ESMTP')],
  [/\bOpenSMTPD\b/, () => 'OpenSMTPD'],
  [/\bHaraka(?:\/([\d.]+))?/, (m) => (m[1] ? `Haraka ${m[1]}` : 'Haraka')],
  [/\bqmail\b/i, () => 'qmail'],
  [/\bMDaemon ([\w.]+)/, (m) => `MDaemon ${m[1]}`],
  [/\bhMailServer\b/, () => 'hMailServer'],
  [/\bZimbra\b/, () => 'Zimbra'],
  [/\bDovecot\b(?: \(([^)]{1,40})\))?/, (m) => (m[1] ? `Dovecot (${m[1]})` : 'Dovecot')],
  [/\bCourier-IMAP\b/, () => 'Courier-IMAP'],
  [/\bCyrus (?:IMAP|POP3)(?:4)? v?([\w.-]+)/, (m) => `Cyrus ${m[1]}`],
  [/\bCyrus\b/, () => 'Cyrus'],
  [/\bUW (?:IMAP|POP3)\b/, () => 'UW IMAP'],
  [/\bQpopper\b/i, () => 'Qpopper'],
  [/\bMicrosoft Exchange\b/, () => 'Microsoft Exchange'],
];

export function softwareOf(text: string): string | undefined {
  const line = text.slice(0, 512);
  for (const [re, name] of SOFTWARE) {
    const m = re.exec(line);
    if (m) return name(m);
  }
  return undefined;
}

/** The fields of a one-line greeting's text (POP3, IMAP): the text itself, the host name (`host`
 *  when the protocol names one, else a first token that looks like one) and the software. */
export function greetingFields(f: Fields, prefix: string, text: string, host?: string): Fields {
  if (text) f[`${prefix}_greeting`] = text;
  const h = host ?? hostLike(text.split(' ')[0]);
  if (h) f[`${prefix}_hostname`] = h;
  const sw = softwareOf(text);
  if (sw) f[`${prefix}_software`] = sw;
  return f;
}

/** Common greeting fields for reply-code protocols (FTP, SMTP). */
export function replyFields(prefix: string, r: Reply, firstTokenIsHost: boolean): Fields {
  const f: Fields = {};
  f[`${prefix}_code`] = r.code;
  const greeting = cutAtCodePoint(r.text.filter(Boolean).join(' '), MAX_FIELD);
  if (greeting) f[`${prefix}_greeting`] = greeting;
  const first = r.text[0]?.split(' ')[0];
  const host = firstTokenIsHost && first && !/^E?SMTP$/i.test(first) && /^[\w.:\[\]-]+$/.test(first) ? first : hostLike(first);
  if (host) f[`${prefix}_hostname`] = host;
  const sw = softwareOf(greeting);
  if (sw) f[`${prefix}_software`] = sw;
  if (r.text.length > 1) f[`${prefix}_lines`] = r.text.length;
  if (!r.complete) f[`${prefix}_partial`] = true;
  return f;
}

/** A reply-code line at the start of the bytes: 3 digits then space or dash. */
export function looksLikeReply(b: Uint8Array): boolean {
  if (b.length < 3) return false;
  for (let i = 0; i < 3; i++) if (b[i] < 0x30 || b[i] > 0x39) return false;
  return b.length === 3 || b[3] === 0x20 || b[3] === 0x2d || b[3] === 0x0d;
}

/** Case-insensitive search for a word in the first line only (at most 256 bytes). */
export function firstLineHas(b: Uint8Array, word: string): boolean {
  const line = latin1(b, 0, Math.min(b.length, 256)).split('\n')[0].toLowerCase();
  return line.includes(word.toLowerCase());
}
