// The https probe's conversation through `trawl banners --replies`, with no network: a real TLS
// server (node:tls, so OpenSSL) on an in-memory wire answers the https probe's ClientHello; its
// flight goes to banners as catch's segment records (out of order, in 1448-byte segments); the
// one frame banners writes to the replies FIFO is read back, authenticated and checked field by
// field as blast would take it, and its payload given to the server; the server's response goes
// back as more segments, ending with a FIN. The banner must be the HTTP response inside the TLS
// connection, for every suite family shared/tls can finish, and the server must have read the
// request the --http-* options describe.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tls from 'tls';
import { Duplex, PassThrough } from 'stream';
import { fixture, settle } from './tls-node-server';
import { lines, oneFrame, ROOT, runInProcess } from './helpers';
import { writeKeyFile } from '../shared/key';
import { makeFifo } from '../shared/replies-fifo';
import { Opener } from '../shared/replies-auth';
import { decodeReply, frameAt, REPLY_ACK_PAYLOAD, REPLY_F_TS } from '../shared/replies';
import { httpsProbe } from '../shared/probes/https';
import { tlsProbeHello } from '../shared/probes/tls';
import { formatIPv4 } from '../shared/ipv4';
import { Finished, Reassembler } from '../shared/reassembly/table';
import { readSegment, Segment } from '../shared/reassembly/segment';

const KEY = Uint8Array.from({ length: 16 }, (_, i) => 0x40 + i);
const OUR_ISN = 0x12345678, SERVER_ISN = 0xfffff000;   // the server's wraps past 2^32 in the response
const TSVAL = 5000, STAMP = 424242;                       // the server's TSval; our stamp it echoes
const PAGE = '<html><head><title>inside TLS</title></head><body>hello</body></html>';
const REPLY = Buffer.from(`HTTP/1.1 200 OK\r\nServer: test-tls/1.0\r\nContent-Type: text/html\r\nContent-Length: ${PAGE.length}\r\nConnection: close\r\n\r\n${PAGE}`);


interface Case { ip: string; ourIp: string; cert: 'ec' | 'rsa'; tls: tls.SecureContextOptions; ts?: boolean }

/** Segment records of `bytes` from stream offset `from`, 1448 bytes each; the last with FIN when asked. */
function segments(c: Case, bytes: Buffer, from: number, ack: number, fin: boolean, t0: number): string[] {
  const out: string[] = [];
  for (let o = 0; o < bytes.length || (fin && o === 0); o += 1448) {
    const data = bytes.subarray(o, o + 1448);
    const last = o + 1448 >= bytes.length;
    out.push(JSON.stringify({
      type: 'segment', ip: c.ip, port: 443, sport: 40001, our_ip: c.ourIp, ttl: 64,
      ...(c.ts === false ? {} : { tsval: TSVAL + o, tsecr: STAMP }), probe: 'https',
      seq: (SERVER_ISN + 1 + from + o) % 2 ** 32, ack, offset: from + o, len: data.length,
      flags: last && fin ? 'FPA' : 'PA', data: data.toString('base64'), time_us: t0 + o,
    }));
  }
  return out;
}


async function run(c: Case) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-https-'));
  const keyFile = path.join(dir, 'key'), fifo = path.join(dir, 'replies');
  writeKeyFile(keyFile, KEY);
  makeFifo(fifo, fifo);
  const fd = fs.openSync(fifo, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
  // The server: answers any request with REPLY and closes; keeps what it read.
  const written: Buffer[] = [];
  const wire = new Duplex({ read() { /* pushed below */ }, write(ch, _e, cb) { written.push(Buffer.from(ch)); cb(); } });
  const { key, cert } = fixture(c.cert);
  const server = new tls.TLSSocket(wire, { isServer: true, secureContext: tls.createSecureContext({ key, cert, ...c.tls }) });
  let request = '';
  server.on('error', () => { /* the test looks at what arrived */ });
  server.on('data', (d) => { request += d.toString('latin1'); if (request.endsWith('\r\n\r\n')) server.end(REPLY); });
  // banners, in this process, reading records we write as they come.
  const stdin = new PassThrough(), stdout = new PassThrough(), stderr = new PassThrough();
  const out: Buffer[] = [], err: Buffer[] = [];
  stdout.on('data', (d) => out.push(Buffer.from(d)));
  stderr.on('data', (d) => err.push(Buffer.from(d)));
  const banners = require(path.join(ROOT, 'dist', 'cmds', 'banners'));
  const done: Promise<number> = banners.run(['--key-file', keyFile, '--replies', fifo, '--no-service-probes', '--http-host', 'site.example',
    '--http-user-agent', 'trawl-test'], { stdin, stdout, stderr });
  try {
    const hello = tlsProbeHello(KEY).hello;
    wire.push(hello);
    const flight = await settle(written);
    const ack1 = (OUR_ISN + 1 + hello.length) >>> 0;
    // Out of order: the last segment first.
    const first = segments(c, flight, 0, ack1, false, 1_000_000).reverse();
    stdin.write(first.join('\n') + '\n');
    const frame = await oneFrame(fd);
    assert.ok(frame, `banners wrote no request: ${Buffer.concat(err)}`);
    const len = frameAt(frame!, 0);
    assert.is(frame!.length, len, 'one frame');
    const opener = new Opener(KEY, 60000);
    assert.ok(opener.macOk(frame!, 0, len), 'the frame is sealed with the scan key');
    assert.is(opener.admit(frame!, 0, Date.now()), 0, 'fresh');
    const r = decodeReply(frame!, 0);
    assert.is(r.kind, REPLY_ACK_PAYLOAD);
    assert.is(r.slot, httpsProbe.slot);
    if (c.ourIp.includes(':')) {
      assert.is(r.family, 6);
    } else {
      assert.is(formatIPv4(r.daddr), c.ip);
      assert.is(formatIPv4(r.saddr), c.ourIp);
    }
    assert.is(r.dport, 443); assert.is(r.sport, 40001);
    assert.is(r.seq, ack1, 'seq: past our ClientHello');
    assert.is(r.ack, (SERVER_ISN + 1 + flight.length) % 2 ** 32, 'ack: the whole flight');
    if (c.ts === false) assert.is(r.flags, 0);
    else {
      assert.is(r.flags, REPLY_F_TS);
      assert.is(r.tsval, STAMP, 'our TSval repeats the stamp the server echoes');
      assert.is(r.tsecr, TSVAL + 1448 * Math.floor((flight.length - 1) / 1448), 'our TSecr: the server\'s TSval of the segment that completed the flight');
    }
    assert.is(r.delay_ms, 4000, 'the idle RST re-armed');
    assert.ok(hello.length + r.payload!.length <= 1400, 'all we send fits the cookie\'s 1400 bytes');
    wire.push(r.payload!);
    const response = await settle(written);
    assert.ok(response.length > 0, 'the server answered our second flight');
    const ack2 = (ack1 + r.payload!.length) >>> 0;
    stdin.end(segments(c, response, flight.length, ack2, true, 2_000_000).join('\n') + '\n');
    const code = await done;
    assert.is(code, 0, Buffer.concat(err).toString());
    assert.is(request, 'GET / HTTP/1.1\r\nHost: site.example\r\nUser-Agent: trawl-test\r\nAccept: */*\r\nConnection: close\r\n\r\n', 'the request the server read');
    const recs = lines(Buffer.concat(out).toString());
    assert.is(recs.length, 1);
    return recs[0];
  } finally {
    server.destroy();
    fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const v4 = { ip: '198.18.0.7', ourIp: '198.19.0.1' };
const CASES: [string, Case, string, string][] = [
  ['TLS 1.3 AES-128-GCM, RSA', { ...v4, cert: 'rsa', tls: { minVersion: 'TLSv1.3' } }, 'TLSv1.3', 'TLS_AES_128_GCM_SHA256'],
  ['TLS 1.3 AES-256-GCM, ECDSA', { ...v4, cert: 'ec', tls: { minVersion: 'TLSv1.3', ciphers: 'TLS_AES_256_GCM_SHA384' } }, 'TLSv1.3', 'TLS_AES_256_GCM_SHA384'],
  ['TLS 1.3 ChaCha20-Poly1305, IPv6', { ip: '2001:db8:1::7', ourIp: '2001:db8:ff::1', cert: 'ec', tls: { minVersion: 'TLSv1.3', ciphers: 'TLS_CHACHA20_POLY1305_SHA256' } },
    'TLSv1.3', 'TLS_CHACHA20_POLY1305_SHA256'],
  ['TLS 1.2 ECDHE-ECDSA-AES128-GCM', { ...v4, cert: 'ec', tls: { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' } }, 'TLSv1.2', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'],
  ['TLS 1.2 ECDHE-RSA-AES256-GCM, no timestamps', { ...v4, cert: 'rsa', ts: false, tls: { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES256-GCM-SHA384' } }, 'TLSv1.2', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'],
  ['TLS 1.2 ECDHE-RSA-CHACHA20, P-256', { ...v4, cert: 'rsa', tls: { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-CHACHA20-POLY1305', ecdhCurve: 'prime256v1' } }, 'TLSv1.2', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'],
];

for (const [name, c, version, cipher] of CASES) {
  test(`https through banners --replies: ${name}`, async () => {
    const b = await run(c);
    assert.is(b.type, 'banner');
    assert.is(b.service, 'https');
    assert.is(b.tls_version, version);
    assert.is(b.tls_cipher, cipher);
    assert.is(b.cert_subject_cn !== undefined, true, 'the certificate too');
    assert.is(b.http_status, 200);
    assert.is(b.http_server, 'test-tls/1.0');
    assert.is(b.http_title, 'inside TLS');
    assert.is(b.http_body_len, PAGE.length);
    assert.is(b.http_body_complete, true);
    assert.is(b.product, 'test-tls');
    assert.is(b.end, 'fin');
    assert.is(b.gaps, 0);
    assert.is(b.tls_app_error, undefined);
    assert.is(b.tls_alert_level, undefined, 'no protected record read as a clear alert');
  });
}

test('with conversations on, a connection whose probe does not converse still ends by its framing (a greeting)', () => {
  const done: Finished[] = [];
  const talk = { talker: () => null, send: () => { throw new Error('nothing to send'); } };
  const r = new Reassembler({ maxBanner: 1 << 20, maxConnections: 16, maxBytes: 1 << 24, idleUs: 5e6 }, (f) => done.push(f), talk);
  const seg = readSegment({ type: 'segment', ip: '198.18.0.9', port: 22, sport: 40002, probe: 'null', seq: 1001, offset: 0, len: 21,
    flags: 'PA', data: Buffer.from('SSH-2.0-OpenSSH_9.2\r\n').toString('base64'), time_us: 1 });
  assert.ok(typeof seg !== 'string');
  r.segment(seg as Segment);
  assert.is(done.length, 1);
  assert.is(done[0].end, 'complete');
});

test("what a conversation keeps counts in --max-bytes: held_bytes grows with the talker's, and over the bound the connection goes early", () => {
  const done: Finished[] = [];
  // A talker that keeps ten times what it is fed (as a TLS client may buffer a handshake and a response).
  let kept = 0;
  const talker = { push: (b: Uint8Array) => { kept += 10 * b.length; return null; }, done: false, get heldBytes() { return kept; } };
  const talk = { talker: () => talker, send: () => { throw new Error('nothing to send'); } };
  const r = new Reassembler({ maxBanner: 1 << 20, maxConnections: 16, maxBytes: 5000, idleUs: 5e6 }, (f) => done.push(f), talk);
  const seg = (o: number, n: number) => readSegment({ type: 'segment', ip: '198.18.0.9', port: 443, sport: 40003, probe: 'https', seq: 1001 + o, offset: o, len: n,
    flags: 'PA', data: Buffer.alloc(n, 0x17).toString('base64'), time_us: 1 + o }) as Segment;
  r.segment(seg(0, 100));
  assert.is(r.held.bytes, 100 + 1000);
  r.segment(seg(100, 500));
  assert.is(done.length, 1, 'over 5000 held bytes (600 of stream + 6000 kept by the talker) the connection is written early');
  assert.is(done[0].end, 'evicted');
  assert.is(r.held.bytes, 0);
  assert.is(r.counters.evicted_bytes, 1);
});

test('a segment whose reply fields are bad is named and skipped (exit 3); the records around it come through', async () => {
  const good = (sport: number, t: number) => JSON.stringify({ type: 'segment', ip: '198.18.0.9', port: 22, sport, our_ip: '198.19.0.1', ack: 5, probe: 'null',
    seq: 1001, offset: 0, len: 21, flags: 'FPA', data: Buffer.from('SSH-2.0-OpenSSH_9.2\r\n').toString('base64'), time_us: t });
  const bad = JSON.stringify({ ...JSON.parse(good(40010, 2)), ack: 'x' });
  const worse = JSON.stringify({ ...JSON.parse(good(40011, 3)), our_ip: 7 });
  const r = await runInProcess('banners', ['--no-service-probes', '-q'], [good(40009, 1), bad, worse, good(40012, 4)].join('\n') + '\n');
  assert.is(r.code, 3);
  assert.match(r.stderr, /stdin:2: segment "ack" is not a 32-bit number/);
  assert.match(r.stderr, /stdin:3: segment "our_ip" is not a string/);
  assert.equal(lines(r.stdout).map((b) => b.sport), [40009, 40012]);
});

test.run();
