// Hostile input: huge lengths, control characters, invalid UTF-8, markup and quotes, random and mutated bytes; nothing throws.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './helpers';
import { PARSERS, identify } from '../shared/parsers';
import { parseAll } from '../shared/parsers/types';
import { MAX_FIELD } from '../shared/parsers/text';
import './declared-fields';   // every parse below also checks the parser's declared fields

const b = (...parts: (string | number[] | Uint8Array)[]) => new Uint8Array(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p)))));

/** Every parser over the bytes: no throw, only string/number/boolean values or short lists of strings, JSON round-trips. */
function allParsers(bytes: Uint8Array): void {
  const der = (k: string) => k === 'cert_der' || k === 'cert_chain_der';
  for (const p of PARSERS) {
    const f = parseAll(p, bytes);
    for (const [k, v] of Object.entries(f)) {
      if (Array.isArray(v)) {
        assert.ok(v.length <= 64, `${p.name}: ${k} has ${v.length} items`);
        for (const s of v) assert.ok(typeof s === 'string' && (der(k) || s.length <= MAX_FIELD * 2), `${p.name}: ${k} holds ${typeof s} of ${String(s).length}`);
        continue;
      }
      assert.ok(['string', 'number', 'boolean'].includes(typeof v), `${p.name}: ${k} is ${typeof v}`);
      if (typeof v === 'number') assert.ok(Number.isFinite(v), `${p.name}: ${k} not finite`);
      if (typeof v === 'string' && !der(k)) assert.ok(v.length <= MAX_FIELD * 2, `${p.name}: ${k} is ${v.length} long`);
    }
    assert.equal(JSON.parse(JSON.stringify(f)), f);
  }
  identify(bytes, 'null', 0);
}

test('TLS: record and handshake lengths far beyond the bytes present', () => {
  const r = identify(b([0x16, 3, 3, 0xff, 0xff, 2, 0xff, 0xff, 0xff, 3, 3]), 'tls', 443);
  assert.is(r.service, 'tls');
  assert.is(r.fields.tls_partial, true);
  assert.is(r.fields.tls_version, 'TLSv1.2');
  // Certificate message claiming 16 MB, certificate claiming 4 GB in its DER length.
  const cert = b([0x16, 3, 3, 0, 20, 11, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x10, 0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x30, 0x82, 0x01]);
  const c = identify(cert, 'tls', 443).fields;
  assert.is(c.cert_partial, true);
  allParsers(cert);
});

test('X.509: DER length of 5+ bytes, multi-byte tags and indefinite lengths are refused, not read', () => {
  for (const der of [[0x30, 0x85, 1, 2, 3, 4, 5], [0x30, 0x80, 0, 0], [0x1f, 0x81, 0x01, 0x00], [0x30, 0x03, 0x30, 0x81]]) {
    const body = b([0, 0, der.length + 3, 0, 0, der.length], der);
    const rec = b([0x16, 3, 3, 0, body.length + 4, 11, 0, 0, body.length], body);
    const f = identify(rec, 'tls', 443).fields;
    assert.is(f.cert_subject, undefined);
    allParsers(rec);
  }
});

test('HTTP: control characters, invalid UTF-8, ]]> and quotes in headers and title stay data, bounded', () => {
  const bytes = b('HTTP/1.1 200 \x01\x02OK\r\nServer: "x"]]><script>\x00\x1b[31m\xff\xfe\r\n',
    'X-Powered-By: ', 'A'.repeat(100000), '\r\n\r\n<title>a "b" ]]> &lt;c&gt; \xc3\x28 \x07</title>');
  const f = identify(bytes, 'http', 80).fields;
  assert.is(f.http_status, 200);
  assert.is(f.http_server, '"x"]]><script>\ufffd\ufffd[31m\ufffd\ufffd');
  assert.is((f.http_powered_by as string).length, MAX_FIELD);
  assert.is(f.http_title, 'a "b" ]]> <c> \ufffd( \ufffd');
  allParsers(bytes);
});

test('HTTP: a title that never ends and a header block that never ends are bounded', () => {
  const f = identify(b('HTTP/1.0 200 OK\r\n\r\n<TITLE>', 'x'.repeat(50000)), 'http', 80).fields;
  assert.is((f.http_title as string).length, MAX_FIELD);
  assert.is(f.http_title_partial, true);
  const g = identify(b('HTTP/1.0 200 OK\r\n', 'X-A: b\r\n'.repeat(20000)), 'http', 80).fields;
  assert.is(g.http_status, 200);
});

test('HTTP: bare LF line ends, odd header spacing, a multi-line <TITLE lang=..>', () => {
  const f = identify(b('HTTP/1.1 301 Moved\nlocation:https://a/\nContent-Length: abc\n\n<html><TITLE \nlang=en>Hi\r\n  there</TiTlE>'), 'http', 80).fields;
  const want = { http_version: '1.1', http_status: 301, http_reason: 'Moved', http_location: 'https://a/', http_title: 'Hi there' };
  assert.equal(Object.fromEntries(Object.keys(want).map((k) => [k, f[k]])), want);
  assert.equal(f.http_headers, ['location: https://a/', 'Content-Length: abc']);
  assert.is(f.http_content_length, undefined, 'a length that is not a number is not one');
  assert.is(f.http_body_complete, undefined, 'without a usable length the body runs to the end of the bytes');
});

test('HTTP: not a status line after HTTP/ gives no status; <titles> is not <title>', () => {
  assert.is(identify(b('HTTP/1.1 2x0 OK\r\n'), 'http', 80).fields.http_status, undefined);
  assert.is(identify(b('HTTP/1.1 200 OK\r\n\r\n<titles>no</titles><title>yes</title>'), 'http', 80).fields.http_title, 'yes');
});

test('SSH, SMTP, IMAP: endless lines, NULs and invalid UTF-8 do not throw and are cleaned', () => {
  const ssh = identify(b('SSH-2.0-', 'A'.repeat(5000), ' \x00\xff\r\n'), 'null', 22).fields;
  assert.ok((ssh.ssh_software as string).length <= 255);
  const smtp = identify(b('220 ', 'h'.repeat(3000), '\r\n'), 'null', 25).fields;
  assert.is(smtp.smtp_code, 220);
  const imap = identify(b('* OK [CAPABILITY IMAP4rev1 \x00\x01] \xc0\xafhi\r\n'), 'null', 143).fields;
  assert.is(imap.imap_capabilities, 'IMAP4rev1 \ufffd\ufffd');
  assert.is(imap.imap_greeting, '\ufffd\ufffdhi');
});

test('MySQL, PostgreSQL, SMB, RDP, MQTT, AMQP: lengths larger than the bytes', () => {
  for (const bytes of [
    b([0xff, 0xff, 0xff, 0, 10], '8.0'),                        // mysql: 16 MB payload, version without NUL
    b('E', [0x7f, 0xff, 0xff, 0xff], 'SFATAL'),                  // postgres: 2 GB message
    b('R', [0, 0, 0, 0xff, 0, 0, 0, 10], 'SCRAM'),               // postgres SASL cut
    b([0, 0xff, 0xff, 0xff, 0xfe, 0x53, 0x4d, 0x42, 64, 0]),    // smb: cut SMB2 header
    b([3, 0, 0xff, 0xff, 0xff, 0xd0]),                          // rdp: LI 255
    b([0x20, 0xff, 0xff, 0xff, 0xff, 0xff]),                    // mqtt: 5-byte varint
    b([1, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 10, 0, 10, 0, 9, 0xff, 0xff, 0xff, 0xff, 200], 'k'), // amqp: huge table
  ]) allParsers(bytes);
});

test('10,000 random buffers and 10,000 mutations of the real fixtures: no parser throws', () => {
  let seed = 12345;
  const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
  for (let i = 0; i < 10000; i++) {
    const n = rnd() % 300;
    const x = new Uint8Array(n);
    for (let j = 0; j < n; j++) x[j] = rnd() & 0xff;
    // Start half of them with real signatures so the deep paths run too.
    const sig = ['HTTP/1.1 ', 'SSH-2.0-', '\x16\x03\x03', '* OK ', '220 ', '+OK ', '$', 'RFB ', 'AMQP', '\x00\x00\x00\x40\xfeSMB', '\xff\xfb', ''][rnd() % 12];
    allParsers(sig ? b(sig, Array.from(x)) : x);
  }
  const dir = path.join(ROOT, 'test', 'fixtures', 'banners');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.bin')).map((f) => new Uint8Array(fs.readFileSync(path.join(dir, f))));
  for (let i = 0; i < 10000; i++) {
    const x = Uint8Array.from(files[rnd() % files.length]);
    for (let k = 0; k < 1 + (rnd() % 8); k++) if (x.length) x[rnd() % x.length] = rnd() & 0xff;
    allParsers(x.subarray(0, rnd() % (x.length + 1)));
  }
});

test.run();
