// Whole certificate chains from real server byte streams (OpenSSL through node:tls, answering the
// tls probe's own ClientHello), cut into segments as a Linux server sends them, through trawl banners:
// TLS 1.2 in clear, TLS 1.3 decrypted with --key-file; fmt -o certs and -o xml carry the chain.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { X509Certificate } from 'crypto';
import { spawnSync } from 'child_process';
import { lines, runInProcess, trawl } from './helpers';
import { converse, fixture } from './tls-node-server';
import { tlsProbeHello } from '../shared/probes/tls';
import { tlsReadOptions } from '../shared/parsers/tls';
import { Finished, Reassembler } from '../shared/reassembly/table';
import { readSegment, Segment } from '../shared/reassembly/segment';
import type { TlsResult } from '../shared/tls/client';

const KEY = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-banners-tls-'));
const keyFile = path.join(dir, 'key');
fs.writeFileSync(keyFile, KEY.toString('hex') + '\n', { mode: 0o600 });
const otherKey = path.join(dir, 'other');
fs.writeFileSync(otherKey, 'ff'.repeat(16) + '\n', { mode: 0o600 });

const rsa = fixture('rsa'), ec = fixture('ec');
// A chain of four (the server sends what it is given, in order): a flight of five segments of 730 bytes.
const CHAIN = [rsa.cert, ec.cert, rsa.cert, ec.cert];
const pems = (certs: string[]) => certs.map((c) => new X509Certificate(c));
const sha256 = (x: X509Certificate) => x.fingerprint256.replace(/:/g, '').toLowerCase();

/** The server's flight for the tls probe's ClientHello (under KEY, with sni when given). */
async function flight(tls: object, sni?: string): Promise<Buffer> {
  const c = await converse({ key: rsa.key, cert: CHAIN.join(''), tls, hello: { legacy: true, sni }, scanKey: KEY });
  assert.equal(c.hello, tlsProbeHello(KEY, sni).hello, 'converse sent the probe\'s hello');
  return c.flight;
}

/** Segment records of a stream in 730-byte segments (half a 1460-byte window), the second and third swapped. */
function segments(stream: Buffer, port = 443): string {
  const recs: object[] = [];
  for (let o = 0; o < stream.length; o += 730) {
    const d = stream.subarray(o, o + 730);
    recs.push({ type: 'segment', ip: '198.18.0.5', port, sport: 40002, ttl: 64, probe: 'tls', seq: (0x5000 + 1 + o) >>> 0, offset: o, len: d.length, flags: 'PA', data: d.toString('base64'), time_us: 1763800000000000 + o });
  }
  if (recs.length > 2) [recs[1], recs[2]] = [recs[2], recs[1]];
  return recs.map((r) => JSON.stringify(r) + '\n').join('');
}

function assertChain(b: any): void {
  const want = pems(CHAIN);
  assert.is(b.tls_cert_count, 4);
  assert.equal(b.cert_chain_sha256, want.map(sha256));
  assert.equal(b.cert_chain_der, want.map((x) => x.raw.toString('base64')));
  assert.equal(b.cert_chain_subject, ['CN=rsa.trawl.test,O=trawl test,C=ZZ', 'CN=ec.trawl.test,O=trawl test,C=ZZ', 'CN=rsa.trawl.test,O=trawl test,C=ZZ', 'CN=ec.trawl.test,O=trawl test,C=ZZ']);
  // The leaf's fields, against openssl's own reading of the PEM the server was given.
  const o = spawnSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-serial'], { input: rsa.cert, encoding: 'utf8' });
  assert.is(o.status, 0, o.stderr);
  assert.is(b.cert_sha256, /Fingerprint=([0-9A-F:]+)/.exec(o.stdout)![1].replace(/:/g, '').toLowerCase());
  assert.is(b.cert_serial, /serial=([0-9A-F]+)/.exec(o.stdout)![1].toLowerCase());
  assert.equal([b.cert_subject_cn, b.cert_key_type, b.cert_key_bits, b.cert_sig_alg, b.cert_self_signed, b.cert_sans],
    ['rsa.trawl.test', 'rsa', 2048, 'sha256WithRSAEncryption', true, 'rsa.trawl.test']);
}

test('TLS 1.2: the whole chain from the flight in clear, past the initial window and reordered; complete at ServerHelloDone', async () => {
  const stream = await flight({ maxVersion: 'TLSv1.2' });
  assert.ok(stream.length > 4 * 730, `flight of ${stream.length} bytes`);
  const r = await runInProcess('banners', [], segments(stream));
  assert.is(r.code, 0, r.stderr);
  const [b] = lines(r.stdout);
  assert.ok(Buffer.from(b.data, 'base64').equals(stream));
  assert.equal([b.service, b.tls_version, b.complete, b.end, b.gaps], ['tls', 'TLSv1.2', true, 'complete', 0], 'written at ServerHelloDone, not held until idle');
  assertChain(b);
  assert.is(b.tls_cert_encrypted, undefined);
});

test('TLS 1.3: decrypted with --key-file (the chain, every handshake message); without the key it says encrypted; a wrong key or --sni says why', async () => {
  const stream = await flight({ minVersion: 'TLSv1.3' });
  const input = segments(stream);
  const r = await runInProcess('banners', ['--key-file', keyFile], input);
  assert.is(r.code, 0, r.stderr);
  const [b] = lines(r.stdout);
  assert.equal([b.tls_version, b.tls_decrypted, b.tls_cert_encrypted, b.tls_decrypt_error, b.complete], ['TLSv1.3', true, undefined, undefined, true]);
  assert.is(b.tls_handshake, 'server_hello,encrypted_extensions,certificate,certificate_verify,finished');
  assert.equal([b.end, b.gaps], ['complete', 0], 'written at its Finished (decrypted as it came), not held until idle');
  assert.ok(Buffer.from(b.data, 'base64').equals(stream));
  assertChain(b);

  // Its end is sealed: without the key (or with the wrong one) the connection waits for its idle time (here the end of input).
  const none = lines((await runInProcess('banners', [], input)).stdout)[0];
  assert.equal([none.tls_version, none.tls_cert_encrypted, none.cert_sha256, none.tls_cert_count, none.complete, none.end], ['TLSv1.3', true, undefined, undefined, false, 'eof']);
  for (const args of [['--key-file', otherKey], ['--key-file', keyFile, '--sni', 'other.example']]) {
    const bad = lines((await runInProcess('banners', args, input)).stdout)[0];
    assert.is(bad.end, 'eof', args.join(' '));
    assert.is(bad.tls_cert_encrypted, true, args.join(' '));
    assert.type(bad.tls_decrypt_error, 'string');
    assert.is(bad.cert_sha256, undefined);
  }
  const sni = await flight({ minVersion: 'TLSv1.3' }, 'www.trawl.test');
  const named = lines((await runInProcess('banners', ['--key-file', keyFile, '--sni', 'www.trawl.test'], segments(sni))).stdout)[0];
  assert.is(named.tls_decrypted, true);
  assert.is(named.cert_chain_sha256.length, 4);
});

test('TLS 1.3 in the reassembly table: what the read of the flight holds counts in --max-bytes, and it goes with the banner (one read)', async () => {
  const stream = await flight({ minVersion: 'TLSv1.3' });
  const done: Finished[] = [];
  const hello = tlsProbeHello(KEY);
  const r = new Reassembler({ maxBanner: 1 << 20, maxConnections: 16, maxBytes: 1 << 24, idleUs: 5e6 }, (f) => done.push(f), null,
    (meta) => (meta.probe === 'tls' ? tlsReadOptions(hello, 0) : undefined));
  let fed = 0, over = 0;
  for (const line of segments(stream).trim().split('\n').map((l) => JSON.parse(l)).sort((a, b) => a.offset - b.offset)) {
    r.segment(readSegment(line) as Segment);
    fed += line.len;
    if (done.length === 0) { assert.ok(r.held.bytes >= fed); if (r.held.bytes > fed) over++; }
  }
  assert.ok(over > 0, 'a sealed record not yet whole is held by the read too, and counted');
  assert.equal([done.length, done[0].end, r.held.bytes], [1, 'complete', 0]);
  const read = done[0].read as TlsResult;
  assert.equal([read.stage, read.flightLength, read.certificates.length], ['response', stream.length, 4]);
  assert.equal(read.certificates.map((c) => sha256(new X509Certificate(c))), pems(CHAIN).map(sha256));
});

test('fmt -o certs writes the PEM chain the server was given; -o xml carries it as nmap\'s ssl-cert table in the banner script', async () => {
  const stream = await flight({ minVersion: 'TLSv1.3' });
  const b = lines((await runInProcess('banners', ['--key-file', keyFile], segments(stream))).stdout)[0];
  const rec = JSON.stringify(b) + '\n';
  const certs = trawl(['fmt', '-o', 'certs'], rec);
  assert.is(certs.code, 0, certs.stderr);
  const got = certs.stdout.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\n/g)!;
  assert.equal(got.map((p) => sha256(new X509Certificate(p))), pems(CHAIN).map(sha256));
  const xml = trawl(['fmt', '-o', 'xml'], rec);
  assert.is(xml.code, 0, xml.stderr);
  assert.match(xml.stdout, /<script id="banner" output="[^"]*"><table key="ssl-cert"><elem key="output">Subject: CN=rsa\.trawl\.test,O=trawl test,C=ZZ&#10;/);
  assert.match(xml.stdout, new RegExp(`<elem key="sha256">${b.cert_sha256}</elem>`));
  assert.is((xml.stdout.match(/<table key="chain">(<elem key="sha256">[0-9a-f]{64}<\/elem>){4}<\/table>/g) ?? []).length, 1);
  const dtd = '/usr/share/nmap/nmap.dtd';
  if (fs.existsSync(dtd)) {
    const f = path.join(dir, 'out.xml');
    fs.writeFileSync(f, xml.stdout);
    const v = spawnSync('xmllint', ['--noout', '--dtdvalid', dtd, f], { encoding: 'utf8' });
    assert.is(v.status, 0, v.stderr);
  }
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
