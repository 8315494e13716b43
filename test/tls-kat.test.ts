// Known answers for the TLS library: RFC 8448's simple 1-RTT trace through the key schedule, the
// record layer and the whole client (its Finished and request records equal the trace's), the TLS 1.2
// PRF, and the ChaCha20-Poly1305 record nonce.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromHex } from '../shared/tls/bytes';
import { hex } from '../shared/parsers/text';
import { createHash } from 'crypto';
import { handshakeSecrets, appSecrets, trafficKeys } from '../shared/tls/schedule13';
import { prf } from '../shared/tls/prf12';
import { RecordCipher, readRecord, xorNonce } from '../shared/tls/record';
import { seal, open } from '../shared/tls/aead';
import { SUITES } from '../shared/tls/suites';
import { secretsFromKeys, sharedSecret } from '../shared/tls/secrets';
import { TlsClient } from '../shared/tls/client';
import { RFC8448 as V, PRF12, CHACHA } from './tls-vectors';

const b = fromHex;
const aes128 = SUITES.get(0x1301)!;
const helloMsg = () => b(V.clientHelloRecord).subarray(5);
const shMsg = () => b(V.serverHelloRecord).subarray(5);
// The trace's client: its x25519 key and random (the P-256 key is ours; the trace never uses it).
const secrets = () => secretsFromKeys(b(V.clientPrivate), new Uint8Array(32).fill(7), b(V.clientRandom), new Uint8Array(0));

test('RFC 8448: x25519 shared secret, handshake and application secrets, traffic keys', () => {
  const s = secrets();
  assert.is(hex(s.x25519Public), V.clientPublic);
  const shared = sharedSecret(s, 0x001d, b(V.serverPublic));
  assert.ok(shared instanceof Uint8Array);
  assert.is(hex(shared as Uint8Array), V.shared);
  const helloHash = createHash('sha256').update(helloMsg()).update(shMsg()).digest();
  assert.is(hex(helloHash), V.helloHash);
  const hs = handshakeSecrets('sha256', shared as Uint8Array, helloHash);
  assert.is(hex(hs.clientHs), V.clientHs);
  assert.is(hex(hs.serverHs), V.serverHs);
  assert.is(hex(hs.master), V.master);
  const sk = trafficKeys(aes128, hs.serverHs), ck = trafficKeys(aes128, hs.clientHs);
  assert.is(hex(sk.key), V.serverHsKey); assert.is(hex(sk.iv), V.serverHsIv);
  assert.is(hex(ck.key), V.clientHsKey); assert.is(hex(ck.iv), V.clientHsIv);
  const finishedHash = createHash('sha256').update(helloMsg()).update(shMsg()).update(b(V.serverFlight)).digest();
  const ap = appSecrets('sha256', hs.master, finishedHash);
  assert.is(hex(ap.clientAp), V.clientAp);
  assert.is(hex(ap.serverAp), V.serverAp);
  assert.is(hex(trafficKeys(aes128, ap.serverAp).key), V.serverApKey);
  assert.is(hex(trafficKeys(aes128, ap.serverAp).iv), V.serverApIv);
  assert.is(hex(trafficKeys(aes128, ap.clientAp).key), V.clientApKey);
});

test('RFC 8448: record protection opens the server flight and seals the client Finished byte for byte', () => {
  const server = new RecordCipher(aes128, b(V.serverHsKey), b(V.serverHsIv), true);
  const got = readRecord(b(V.serverFlightRecord), 0);
  assert.ok(typeof got === 'object');
  const opened = server.open((got as { record: any }).record);
  assert.ok(typeof opened === 'object');
  assert.is((opened as any).type, 22);
  assert.is(hex((opened as any).data), hex(b(V.serverFlight)));
  const client = new RecordCipher(aes128, b(V.clientHsKey), b(V.clientHsIv), true);
  assert.is(hex(client.seal(22, b(V.clientFinished))), hex(b(V.clientFinishedRecord)));
  // One flipped bit anywhere in the record fails the tag (the test can fail).
  const bad = b(V.serverFlightRecord); bad[100] ^= 1;
  const again = new RecordCipher(aes128, b(V.serverHsKey), b(V.serverHsIv), true);
  assert.is(again.open((readRecord(bad, 0) as any).record), 'bad_record_mac');
});

test('RFC 8448: the client reads the trace and writes the trace\'s Finished and application data records', () => {
  const c = new TlsClient({ secrets: secrets(), hello: b(V.clientHelloRecord), request: b(V.appData) });
  const stream = [V.serverHelloRecord, V.serverFlightRecord, V.newSessionTicketRecord, V.serverAppRecord, V.serverAlertRecord].map(b);
  let r = c.push(stream[0]);
  assert.is(r.stage, 'server_flight');
  assert.is(r.version, 0x0304); assert.is(r.suite, 0x1301); assert.is(r.group, 0x001d);
  r = c.push(stream[1]);
  assert.is(r.error, undefined);
  assert.is(r.stage, 'response');
  assert.ok(r.serverFinished);
  assert.is(r.flightLength, stream[0].length + stream[1].length);
  assert.is(r.certificates.length, 1);
  // The certificate inside the trace's Certificate message: 432 bytes after EncryptedExtensions (40), the header (4), context (1), list and entry lengths (3 + 3).
  assert.is(hex(r.certificates[0]), hex(b(V.serverFlight).subarray(51, 51 + 0x1b0)));
  assert.is(r.signatureAlgorithm, 0x0804);
  assert.equal(r.extensions, [0x0033, 0x002b, 0x000a, 0x001c, 0x0000]);
  assert.is(hex(r.clientFlight!), hex(b(V.clientFinishedRecord)) + hex(b(V.clientAppRecord)));
  r = c.push(stream[2]); r = c.push(stream[3]); r = c.push(stream[4]);
  assert.is(r.error, undefined);
  assert.is(hex(r.appData), V.appData);
  assert.ok(r.closeNotify);
  assert.is(r.stage, 'closed');
  assert.equal(r.messages, [2, 8, 11, 15, 20, 4]);
});

test('RFC 8448: the same stream byte by byte gives the same result', () => {
  const c = new TlsClient({ secrets: secrets(), hello: b(V.clientHelloRecord), request: b(V.appData) });
  const all = b([V.serverHelloRecord, V.serverFlightRecord, V.newSessionTicketRecord, V.serverAppRecord, V.serverAlertRecord].join(''));
  let r = c.result;
  for (let i = 0; i < all.length; i++) r = c.push(all.subarray(i, i + 1));
  assert.is(r.error, undefined);
  assert.is(hex(r.appData), V.appData);
  assert.is(hex(r.clientFlight!), hex(b(V.clientFinishedRecord)) + hex(b(V.clientAppRecord)));
  assert.is(r.length, all.length);
});

test('RFC 8448: a Finished that does not verify is an error, not a flight', () => {
  // Another client key gives another handshake secret: the flight no longer decrypts.
  const other = secretsFromKeys(new Uint8Array(32).fill(9), new Uint8Array(32).fill(7), b(V.clientRandom), new Uint8Array(0));
  const c = new TlsClient({ secrets: other, hello: b(V.clientHelloRecord) });
  const r = c.push(b(V.serverHelloRecord + V.serverFlightRecord));
  assert.is(r.stage, 'failed');
  assert.is(r.error, 'bad_record_mac');
  assert.is(r.clientFlight, undefined);
});

test('TLS 1.2 PRF: P_SHA256 and P_SHA384 known answers', () => {
  for (const [h, v] of [['sha256', PRF12.sha256], ['sha384', PRF12.sha384]] as const) {
    const want = b(v.out);
    assert.is(hex(prf(h, b(v.secret), 'test label', b(v.seed), want.length)), hex(want), h);
  }
});

test('ChaCha20-Poly1305: record nonce is the IV XOR the left-padded sequence number; RFC 8439 AEAD vector', () => {
  const nonce = b(CHACHA.nonce);
  // An IV and a sequence number whose XOR is the RFC's nonce.
  const seq = 0x0102030405060n;
  const iv = Uint8Array.from(nonce);
  for (let i = 0; i < 8; i++) iv[4 + i] ^= Number((seq >> BigInt(8 * (7 - i))) & 0xffn);
  assert.is(hex(xorNonce(iv, Number(seq))), CHACHA.nonce);
  assert.is(hex(xorNonce(iv, 0)), hex(iv));
  const pt = Uint8Array.from(Buffer.from(CHACHA.plaintext, 'latin1'));
  const sealed = seal('chacha20-poly1305', b(CHACHA.key), xorNonce(iv, Number(seq)), b(CHACHA.aad), pt);
  assert.is(hex(sealed), hex(b(CHACHA.ciphertext)) + CHACHA.tag);
  assert.is(Buffer.from(open('chacha20-poly1305', b(CHACHA.key), nonce, b(CHACHA.aad), sealed)!).toString('latin1'), CHACHA.plaintext);
  sealed[3] ^= 0x80;
  assert.is(open('chacha20-poly1305', b(CHACHA.key), nonce, b(CHACHA.aad), sealed), null);
});

test('TLS 1.2 ChaCha20 and AES-GCM records round-trip with the sequence in the nonce', () => {
  for (const id of [0xcca8, 0xc02f, 0xc030]) {
    const s = SUITES.get(id)!;
    const key = new Uint8Array(s.keyLen).fill(1), iv = new Uint8Array(s.ivLen).fill(2);
    const w = new RecordCipher(s, key, iv, false), r = new RecordCipher(s, key, iv, false);
    const recs = [w.seal(23, Uint8Array.of(1, 2, 3)), w.seal(23, Uint8Array.of(4))];
    // Out of order, the sequence numbers disagree and the tag fails.
    const wrong = new RecordCipher(s, key, iv, false);
    assert.is(wrong.open((readRecord(recs[1], 0) as any).record), 'bad_record_mac', `suite ${id.toString(16)}`);
    assert.equal([...(r.open((readRecord(recs[0], 0) as any).record) as any).data], [1, 2, 3]);
    assert.equal([...(r.open((readRecord(recs[1], 0) as any).record) as any).data], [4]);
    assert.is(recs[0].length, 5 + (s.aead === 'chacha20-poly1305' ? 0 : 8) + 3 + 16);
  }
});

test.run();
