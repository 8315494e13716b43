// shared/tls without root: the derived secrets and ClientHello, whole conversations with node:tls
// (OpenSSL) in-process for every suite, every prefix of a stream, limits, alerts, KeyUpdate, hostile
// bytes, and the certificate fields.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as crypto from 'crypto';
import { Reader, fromHex, handshakeMessage } from '../shared/tls/bytes';
import { concat } from '../shared/probes/types';
import { hex } from '../shared/parsers/text';
import { clientSecrets, secretsFromKeys } from '../shared/tls/secrets';
import { clientHello, EXT, GROUPS, SIGNATURE_ALGORITHMS } from '../shared/tls/hello';
import { readExtensions } from '../shared/tls/messages';
import { TLS12_SUITES, TLS13_SUITES, LEGACY_SUITES, SUITES } from '../shared/tls/suites';
import { TlsClient, readTls } from '../shared/tls/client';
import { RecordCipher, recordBytes } from '../shared/tls/record';
import { nextSecret, trafficKeys } from '../shared/tls/schedule13';
import { certificateFields, toPem } from '../shared/tls/cert';
import { converse, fixture } from './tls-node-server';
import { fuzzTls, rfc8448Seed } from './fuzz/tls.fuzz';
import { RFC8448 as V } from './tls-vectors';

const KEY = fromHex('00112233445566778899aabbccddeeff');

/** The ClientHello's fields, read with the library's own readers (every length checked). */
function parseHello(rec: Uint8Array) {
  const r = new Reader(rec);
  assert.is(r.u8(), 22); assert.is(r.u16(), 0x0301);
  const body = r.vec(2, 'record');
  assert.is(body.u8(), 1);
  const h = body.vec(3, 'hello');
  body.done('record');
  const version = h.u16();
  const random = h.bytes(32);
  const sessionId = h.vec(1, 'sid').rest();
  const s = h.vec(2, 'suites'); const suites: number[] = []; while (s.left) suites.push(s.u16());
  const comp = h.vec(1, 'comp').rest();
  const exts = readExtensions(h, 'ClientHello');
  h.done('hello');
  return { version, random, sessionId, suites, comp, exts };
}
const u16list = (b: Uint8Array, lenBytes: 1 | 2) => { const r = new Reader(b); const l = r.vec(lenBytes, 'list'); r.done('list'); const out: number[] = []; while (l.left) out.push(l.u16()); return out; };

test('secrets: one scan key gives one set of secrets, another key others; keys are valid', () => {
  const a = clientSecrets(KEY), b = clientSecrets(KEY), c = clientSecrets(fromHex('00112233445566778899aabbccddeefe'));
  assert.equal(a, b);
  for (const k of ['x25519Private', 'p256Private', 'random', 'sessionId'] as const) assert.is.not(hex(a[k]), hex(c[k]), k);
  assert.is(a.p256Public.length, 65); assert.is(a.p256Public[0], 4);
  assert.is(a.x25519Public.length, 32);
  // The public keys are the private keys' (node derives them independently).
  const ecdh = crypto.createECDH('prime256v1'); ecdh.setPrivateKey(a.p256Private);
  assert.is(hex(ecdh.getPublicKey()), hex(a.p256Public));
  assert.throws(() => clientSecrets(new Uint8Array(15)), /16/);
});

test('ClientHello: deterministic, TLS 1.3 + 1.2, our suites, both key shares, ALPN, EMS; well under 1400 bytes', () => {
  const s = clientSecrets(KEY);
  assert.equal(clientHello(s, { sni: 'a.example' }), clientHello(clientSecrets(KEY), { sni: 'a.example' }));
  assert.is.not(hex(clientHello(s, { sni: 'a.example' })), hex(clientHello(s, { sni: 'b.example' })));
  const h = parseHello(clientHello(s));
  assert.is(h.version, 0x0303);
  assert.is(hex(h.random), hex(s.random));
  assert.is(hex(h.sessionId), hex(s.sessionId));
  assert.equal(h.suites, [...TLS13_SUITES, ...TLS12_SUITES]);
  for (const id of h.suites) assert.ok(SUITES.has(id), `every offered suite can be finished: ${id.toString(16)}`);
  assert.equal([...h.comp], [0]);
  assert.equal(u16list(h.exts.get(EXT.supported_versions)!, 1), [0x0304, 0x0303]);
  assert.equal(u16list(h.exts.get(EXT.supported_groups)!, 2), GROUPS);
  assert.equal(u16list(h.exts.get(EXT.signature_algorithms)!, 2), SIGNATURE_ALGORITHMS);
  for (const alg of [0x0804, 0x0401, 0x0403]) assert.ok(SIGNATURE_ALGORITHMS.includes(alg), `RSA-PSS, PKCS#1, ECDSA: ${alg.toString(16)}`);
  const ks = new Reader(h.exts.get(EXT.key_share)!).vec(2, 'shares');
  assert.is(ks.u16(), 0x001d); assert.is(hex(ks.vec(2, 'x').rest()), hex(s.x25519Public));
  assert.is(ks.u16(), 0x0017); assert.is(hex(ks.vec(2, 'p').rest()), hex(s.p256Public));
  assert.is(Buffer.from(h.exts.get(EXT.alpn)!).toString('latin1'), '\x00\x09\x08http/1.1');
  assert.ok(h.exts.has(EXT.extended_master_secret));
  assert.not.ok(h.exts.has(EXT.server_name));
  assert.not.ok(parseHello(clientHello(s, { alpn: false })).exts.has(EXT.alpn));
  assert.not.ok(parseHello(clientHello(s, { extendedMasterSecret: false })).exts.has(EXT.extended_master_secret));
  const sni = parseHello(clientHello(s, { sni: 'www.example.com' })).exts.get(EXT.server_name)!;
  assert.is(Buffer.from(sni).toString('latin1'), '\x00\x12\x00\x00\x0fwww.example.com');
  const legacy = parseHello(clientHello(s, { legacy: true }));
  assert.equal(legacy.suites, [...TLS13_SUITES, ...TLS12_SUITES, ...LEGACY_SUITES]);
  assert.equal(u16list(legacy.exts.get(EXT.supported_versions)!, 1), [0x0304, 0x0303, 0x0302, 0x0301]);
  // The longest host name with the legacy lists still fits one segment with room to spare.
  const long = 'a'.repeat(63) + '.' + 'b'.repeat(63) + '.' + 'c'.repeat(63) + '.' + 'd'.repeat(61);
  const big = clientHello(s, { sni: long, legacy: true });
  assert.ok(big.length < 1000, `longest hello: ${big.length} bytes`);
  const def = clientHello(s);
  assert.ok(def.length - 5 >= 512 && def.length < 600, `default hello padded past 511 (RFC 7685): ${def.length}`);
  assert.throws(() => clientHello(s, { sni: '192.0.2.1' }), /IP address/);
});

// Every suite and version against OpenSSL (node:tls), with each certificate type and both groups.
const CASES: [string, 'ec' | 'rsa', 'TLSv1.2' | 'TLSv1.3', string, number][] = [
  ['TLS_AES_128_GCM_SHA256', 'ec', 'TLSv1.3', 'X25519', 0x1301], ['TLS_AES_256_GCM_SHA384', 'rsa', 'TLSv1.3', 'P-256', 0x1302],
  ['TLS_CHACHA20_POLY1305_SHA256', 'ec', 'TLSv1.3', 'P-256', 0x1303],
  ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ec', 'TLSv1.2', 'X25519', 0xc02b], ['ECDHE-ECDSA-AES256-GCM-SHA384', 'ec', 'TLSv1.2', 'P-256', 0xc02c],
  ['ECDHE-ECDSA-CHACHA20-POLY1305', 'ec', 'TLSv1.2', 'X25519', 0xcca9], ['ECDHE-RSA-AES128-GCM-SHA256', 'rsa', 'TLSv1.2', 'P-256', 0xc02f],
  ['ECDHE-RSA-AES256-GCM-SHA384', 'rsa', 'TLSv1.2', 'X25519', 0xc030], ['ECDHE-RSA-CHACHA20-POLY1305', 'rsa', 'TLSv1.2', 'P-256', 0xcca8],
];

test('every suite against node:tls: chain, Finished verified both ways, response decrypted, close_notify', async () => {
  for (const [ciphers, kind, v, curve, id] of CASES) {
    const f = fixture(kind);
    const reply = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n' + 'x'.repeat(20000));   // two records
    const c = await converse({ ...f, reply, tls: { minVersion: v, maxVersion: v, ciphers, ecdhCurve: curve } });
    const r = c.result, what = `${ciphers} ${curve}`;
    assert.is(r.error, undefined, `${what}: ${r.error}`);
    assert.is(r.suite, id, what);
    assert.is(r.group, curve === 'X25519' ? 0x001d : 0x0017, what);
    assert.is(r.version, v === 'TLSv1.3' ? 0x0304 : 0x0303, what);
    assert.is(r.certificates.length, 1, what);
    assert.is(hex(r.certificates[0]), hex(new crypto.X509Certificate(f.cert).raw), what);
    assert.ok(r.serverFinished, what);
    assert.is(r.flightLength, c.flight.length, what);
    assert.is(Buffer.from(r.appData).toString('latin1'), reply.toString('latin1'), what);
    assert.ok(r.closeNotify, what);
    assert.is(r.stage, 'closed', what);
    assert.is(r.alpn, undefined, 'no ALPN configured on the server');
    if (v === 'TLSv1.2') { assert.ok(r.extendedMasterSecret, what); assert.is(r.signatureAlgorithm !== undefined, true); }
  }
});

test('TLS 1.2 without extended master secret, and client certificate requests (1.2 and 1.3), still finish', async () => {
  const ems = await converse({ ...fixture('rsa'), hello: { extendedMasterSecret: false }, tls: { maxVersion: 'TLSv1.2' } });
  assert.is(ems.result.error, undefined);
  assert.not.ok(ems.result.extendedMasterSecret);
  assert.ok(ems.result.serverFinished);
  for (const v of ['TLSv1.2', 'TLSv1.3'] as const) {
    const c = await converse({ ...fixture('ec'), tls: { minVersion: v, maxVersion: v, requestCert: true } });
    assert.is(c.result.error, undefined, v);
    assert.ok(c.result.certificateRequested, v);
    assert.ok(c.result.serverFinished, v);
    assert.match(Buffer.from(c.result.appData).toString(), /^HTTP\/1.1 200 OK/, v);
  }
});

test('every prefix of a real stream is progress, never an error; the whole stream in one push equals byte by byte', async () => {
  for (const v of ['TLSv1.2', 'TLSv1.3'] as const) {
    const c = await converse({ ...fixture('ec'), tls: { minVersion: v, maxVersion: v } });
    const all = concat([c.flight, c.response]);
    const opts = { secrets: c.secrets, hello: c.hello, request: c.request };
    for (let n = 0; n < all.length; n += 7) {
      const r = readTls(opts, all.subarray(0, n));
      assert.is(r.error, undefined, `${v} prefix ${n}: ${r.error}`);
      if (n >= c.flight.length) assert.ok(r.clientFlight, `${v} prefix ${n}: second flight`);
    }
    const bytewise = new TlsClient(opts);
    for (let i = 0; i < all.length; i++) bytewise.push(all.subarray(i, i + 1));
    assert.equal(hex(bytewise.result.appData), hex(readTls(opts, all).appData));
    assert.equal(hex(bytewise.result.clientFlight!), hex(c.result.clientFlight!));
  }
});

const rfcOpts = () => { const s = rfc8448Seed(); return { secrets: s.secrets, hello: s.hello, request: s.request }; };
const rfcFlight = () => fromHex(V.serverHelloRecord + V.serverFlightRecord);

test('TLS 1.3: handshake messages split across protected records are reassembled', () => {
  const flight = fromHex(V.serverFlight);
  const c = new RecordCipher(SUITES.get(0x1301)!, fromHex(V.serverHsKey), fromHex(V.serverHsIv), true);
  // Cuts inside EncryptedExtensions, inside the certificate, and just before Finished.
  const cuts = [10, 300, flight.length - 36];
  const recs = [0, ...cuts].map((at, i) => c.seal(22, flight.subarray(at, [...cuts, flight.length][i])));
  const r = readTls(rfcOpts(), concat([fromHex(V.serverHelloRecord), ...recs]));
  assert.is(r.error, undefined);
  assert.ok(r.serverFinished);
  assert.is(r.certificates[0].length, 0x1b0);
  assert.is(hex(r.clientFlight!), hex(fromHex(V.clientFinishedRecord + V.clientAppRecord)));
  // No handshake bytes may follow the server Finished under the handshake keys (they change there).
  const c2 = new RecordCipher(SUITES.get(0x1301)!, fromHex(V.serverHsKey), fromHex(V.serverHsIv), true);
  const bad = readTls(rfcOpts(), concat([fromHex(V.serverHelloRecord), c2.seal(22, concat([flight, Uint8Array.of(4, 0)]))]));
  assert.is(bad.error, 'handshake bytes after the server Finished in its record');
});

test('limits: a handshake message over maxMessage, appData beyond maxAppData', () => {
  const big = readTls({ ...rfcOpts(), limits: { maxMessage: 400 } }, rfcFlight());
  assert.is(big.stage, 'failed');
  assert.is(big.error, 'handshake message of 441 bytes (over 400)');
  const all = fromHex(V.serverHelloRecord + V.serverFlightRecord + V.newSessionTicketRecord + V.serverAppRecord);
  const cut = readTls({ ...rfcOpts(), limits: { maxAppData: 10 } }, all);
  assert.is(cut.error, undefined);
  assert.is(hex(cut.appData), V.appData.slice(0, 20));
  assert.ok(cut.appDataTruncated);
  assert.is(cut.appDataLength, 50);
  const certs = readTls({ ...rfcOpts(), limits: { maxCerts: 0 } }, rfcFlight());
  assert.match(certs.error!, /more than 0 certificates/);
});

test('KeyUpdate: the server moves to its next application secret and the client follows', () => {
  const suite = SUITES.get(0x1301)!;
  const ap = fromHex(V.serverAp);
  const cur = new RecordCipher(suite, fromHex(V.serverApKey), fromHex(V.serverApIv), true);
  cur.seq = 2;   // after the trace's ticket (0) and application data (1)
  const next = trafficKeys(suite, nextSecret('sha256', ap));
  const after = new RecordCipher(suite, next.key, next.iv, true);
  const stream = concat([fromHex(V.serverHelloRecord + V.serverFlightRecord + V.newSessionTicketRecord + V.serverAppRecord),
    cur.seal(22, handshakeMessage(24, Uint8Array.of(0))), after.seal(23, Uint8Array.of(0x41, 0x42)), after.seal(21, Uint8Array.of(1, 0))]);
  const r = readTls(rfcOpts(), stream);
  assert.is(r.error, undefined);
  assert.is(hex(r.appData), V.appData + '4142');
  assert.ok(r.closeNotify);
  // Without the KeyUpdate, the new keys' record does not open (the test can fail).
  const skip = concat([fromHex(V.serverHelloRecord + V.serverFlightRecord + V.newSessionTicketRecord + V.serverAppRecord), new RecordCipher(suite, next.key, next.iv, true).seal(23, Uint8Array.of(1))]);
  assert.is(readTls(rfcOpts(), skip).error, 'bad_record_mac');
});

test('alerts and HelloRetryRequest are reported; hostile bytes give an error, never an exception', () => {
  const refused = readTls(rfcOpts(), Uint8Array.of(21, 3, 3, 0, 2, 2, 40));
  assert.is(refused.stage, 'closed');
  assert.equal(refused.alerts, [{ level: 2, description: 40 }]);
  assert.is(refused.error, undefined);
  // A ServerHello with the HelloRetryRequest random and a key_share naming secp384r1.
  const hrrBody = concat([Uint8Array.of(3, 3), fromHex('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c'),
    Uint8Array.of(0, 0x13, 0x01, 0), fromHex('000c002b00020304003300020018')]);
  const hrr = readTls(rfcOpts(), recordBytes(22, handshakeMessage(2, hrrBody)));
  assert.ok(hrr.helloRetry);
  assert.is(hrr.group, 0x0018);
  assert.is(hrr.error, 'HelloRetryRequest for group 0x0018');
  assert.match(readTls(rfcOpts(), Buffer.from('SSH-2.0-OpenSSH_9.2\r\n')).error!, /not a TLS record/);
  assert.match(readTls(rfcOpts(), Buffer.from('HTTP/1.1 400 Bad Request\r\n')).error!, /not a TLS record/);
  assert.match(readTls(rfcOpts(), Uint8Array.of(22, 3, 3, 0xff, 0xff)).error!, /over/);
  assert.is(readTls(rfcOpts(), Uint8Array.of(22, 3)).stage, 'server_hello', 'a cut header waits for more');
  assert.match(readTls({ ...rfcOpts(), hello: Uint8Array.of(22, 3, 1, 0, 1, 1) }, rfcFlight()).error!, /our ClientHello/);
  const stats = fuzzTls([rfc8448Seed()], 1500, 7);
  assert.equal(stats.crashes, []);
  assert.is(stats.hangs, 0);
});

test('certificate fields from the fixtures: names, key, signature algorithm, self-signed, PEM round trip', () => {
  for (const kind of ['ec', 'rsa'] as const) {
    const x = new crypto.X509Certificate(fixture(kind).cert);
    const f = certificateFields(x.raw);
    assert.is(f.cert_subject, `CN=${kind}.trawl.test,O=trawl test,C=ZZ`);
    assert.is(f.cert_subject_cn, `${kind}.trawl.test`);
    assert.is(f.cert_issuer, f.cert_subject);
    assert.is(f.cert_sha256, crypto.createHash('sha256').update(x.raw).digest('hex'));
    assert.is(f.cert_sha1, crypto.createHash('sha1').update(x.raw).digest('hex'));
    assert.is(f.cert_serial, x.serialNumber.toLowerCase().replace(/^(00)+/, ''));
    assert.is(f.cert_not_after_us, Date.parse(x.validTo) * 1000);
    assert.is(f.cert_key_type, kind);
    assert.is(f.cert_key_bits, kind === 'ec' ? 256 : 2048);
    assert.is(f.cert_key_curve, kind === 'ec' ? 'prime256v1' : undefined);
    assert.is(f.cert_sig_alg, kind === 'ec' ? 'ecdsa-with-SHA256' : 'sha256WithRSAEncryption');
    assert.is(f.cert_self_signed, true);
    assert.is(f.cert_der, x.raw.toString('base64'));
    assert.is(f.cert_sans, kind === 'ec' ? 'ec.trawl.test,192.0.2.1' : 'rsa.trawl.test');
    assert.ok(new crypto.X509Certificate(toPem(x.raw)).raw.equals(x.raw));
  }
  const cut = certificateFields(new crypto.X509Certificate(fixture('rsa').cert).raw.subarray(0, 300));
  assert.ok(cut.cert_error);
  assert.is(cut.cert_sha1, undefined);
  assert.ok(certificateFields(Uint8Array.of(1, 2, 3)).cert_error);
});

test.run();
