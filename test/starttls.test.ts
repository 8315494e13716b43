// The starttls probe's conversation on bytes alone: what it says after each server line, in any
// split of the server's stream, for SMTP, IMAP, POP3 and FTP; where it stops and why; and the
// banner banners makes of a whole exchange (the text service's fields, then the TLS fields of
// what follows the go-ahead).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { StarttlsTalker } from '../shared/probes/starttls';
import { starttlsProbeHello } from '../shared/probes/starttls';
import { enrichBanner } from '../shared/parsers/banner';
import { converse, fixture } from './tls-node-server';

const HELLO = Uint8Array.of(0x16, 3, 1, 0, 1, 1);
const text = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString('latin1'));

/** Feeds the server's lines, each split in two pushes; returns what the talker said after each line. */
function run(port: number, lines: string[]): { said: (string | null)[]; t: StarttlsTalker } {
  const t = new StarttlsTalker(HELLO, port);
  const said: (string | null)[] = [];
  for (const l of lines) {
    const b = Buffer.from(l, 'latin1'), h = b.length >> 1;
    const a = t.push(b.subarray(0, h));
    const c = t.push(b.subarray(h));
    said.push(text(a) ?? text(c));
  }
  return { said, t };
}

const H = text(HELLO);

test('SMTP: EHLO after the last greeting line, STARTTLS after the last 250 line when offered, the hello after 220', () => {
  const { said, t } = run(25, ['220-mx.example ESMTP\r\n', '220 ready\r\n', '250-mx.example\r\n', '250-SIZE 52428800\r\n', '250-STARTTLS\r\n',
    '250 HELP\r\n', '220 TLS go ahead\r\n']);
  assert.equal(said, [null, 'EHLO trawl.invalid\r\n', null, null, null, 'STARTTLS\r\n', H]);
  assert.is(t.done, true);
  assert.is(t.failed, undefined);
  assert.is(t.tlsAt, ['220-mx.example ESMTP\r\n', '220 ready\r\n', '250-mx.example\r\n', '250-SIZE 52428800\r\n', '250-STARTTLS\r\n', '250 HELP\r\n', '220 TLS go ahead\r\n'].join('').length);
});

test('SMTP without STARTTLS in its EHLO answer, or refusing it: stops, says why, sends nothing more', () => {
  let r = run(25, ['220 mx ESMTP\r\n', '250-mx\r\n', '250 HELP\r\n']);
  assert.equal(r.said, ['EHLO trawl.invalid\r\n', null, null]);
  assert.is(r.t.done, true);
  assert.match(r.t.failed!, /STARTTLS is not offered/);
  r = run(25, ['220 mx ESMTP\r\n', '250-mx\r\n', '250 STARTTLS\r\n', '454 TLS not available\r\n']);
  assert.equal(r.said, ['EHLO trawl.invalid\r\n', null, 'STARTTLS\r\n', null]);
  assert.match(r.t.failed!, /STARTTLS refused: "454 TLS not available"/);
  r = run(25, ['554 go away\r\n']);
  assert.match(r.t.failed!, /the greeting refused us/);
});

test('IMAP, POP3 and FTP, by port or (on another port) by their greeting', () => {
  assert.equal(run(143, ['* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready.\r\n', 'a1 OK Begin TLS negotiation now.\r\n']).said, ['a1 STARTTLS\r\n', H]);
  assert.equal(run(10143, ['* OK ready\r\n', '* CAPABILITY x\r\n', 'a1 OK go\r\n']).said, ['a1 STARTTLS\r\n', null, H]);
  assert.equal(run(110, ['+OK Dovecot ready.\r\n', '+OK Begin TLS negotiation now.\r\n']).said, ['STLS\r\n', H]);
  assert.equal(run(21, ['220 (vsFTPd 3.0.3)\r\n', '234 Proceed with negotiation.\r\n']).said, ['AUTH TLS\r\n', H]);
  assert.equal(run(2121, ['220 ProFTPD FTP server ready\r\n', '234 AUTH TLS ok\r\n']).said, ['AUTH TLS\r\n', H]);
  const pop = run(110, ['+OK ready\r\n', '-ERR not now\r\n']);
  assert.match(pop.t.failed!, /STLS refused/);
  const other = run(9999, ['SSH-2.0-OpenSSH_9.2\r\n']);
  assert.match(other.t.failed!, /cannot converse/);
});

test('a server that never says go-ahead: given up after 16 KiB of text', () => {
  const t = new StarttlsTalker(HELLO, 25);
  t.push(Buffer.from('220 mx\r\n'));
  for (let i = 0; i < 400 && !t.done; i++) t.push(Buffer.from('250-' + 'x'.repeat(60) + '\r\n'));
  assert.is(t.done, true);
  assert.match(t.failed!, /16 KiB/);
});

test('a starttls banner: the SMTP fields of the text, then the certificate from the TLS flight (TLS 1.3 decrypted with the key)', async () => {
  const key = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
  const starttls = starttlsProbeHello(key);
  const c = await converse({ ...fixture('rsa'), scanKey: key, hello: { legacy: true, alpn: false } });
  const head = '220 mx.example ESMTP Exim 4.96\r\n250-mx.example Hello\r\n250-STARTTLS\r\n250 HELP\r\n220 TLS go ahead\r\n';
  const data = Buffer.concat([Buffer.from(head, 'latin1'), c.flight]);
  const rec = { type: 'banner', ip: '198.18.0.1', port: 25, sport: 1, probe: 'starttls', len: data.length, data: data.toString('base64') };
  const out = enrichBanner(rec, { starttls }) as Record<string, unknown>;
  assert.is(out.service, 'smtp');
  assert.is(out.tls_starttls, 'ok');
  assert.is(out.tls_version, 'TLSv1.3');
  assert.is(out.tls_decrypted, true);
  assert.ok(typeof out.cert_sha256 === 'string', 'the certificate');
  assert.match(String(out.smtp_banner ?? out.smtp_greeting ?? JSON.stringify(out)), /mx\.example/);
  const none = enrichBanner({ ...rec, data: Buffer.from('220 mx ESMTP\r\n250 HELP\r\n').toString('base64') }, { starttls }) as Record<string, unknown>;
  assert.is(none.service, 'smtp');
  assert.match(String(none.tls_starttls), /^failed: .*STARTTLS is not offered/);
});

test.run();
