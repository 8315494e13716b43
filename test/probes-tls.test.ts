// The tls probe's ClientHello parsed back field by field: every length consistent, TLS 1.0 to 1.3
// offered, key shares from the scan key (so banners can decrypt), SNI exactly when asked for.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tlsProbe, tlsProbeHello } from '../shared/probes/tls';
import { buildProbePlan, probeConfig } from '../shared/probes';
import { clientSecrets } from '../shared/tls/secrets';
import { EXT, clientHello } from '../shared/tls/hello';
import { LEGACY_SUITES, TLS12_SUITES, TLS13_SUITES } from '../shared/tls/suites';

const KEY = new Uint8Array(16).fill(9);
const probe = (sni?: string) => tlsProbe.payload(probeConfig(sni ? { sni } : {}, KEY)).before;

interface Parsed { version: number; suites: number[]; compression: number[]; sessionId: number; exts: Map<number, Buffer>; order: number[]; recordLen: number }

// Plain errors, not uvu assertions, so assert.throws below sees them.
function eq(a: unknown, b: unknown, what: string) { if (a !== b) throw new Error(`${what}: ${a} != ${b}`); }

/** A strict reader: throws on any length that disagrees with the bytes present. */
function parse(b: Uint8Array): Parsed {
  const d = Buffer.from(b);
  let o = 0;
  const need = (n: number, what: string) => { if (o + n > d.length) throw new Error(`${what} runs past the end`); };
  const u8 = () => { need(1, 'u8'); return d[o++]; };
  const u16 = () => { need(2, 'u16'); const v = d.readUInt16BE(o); o += 2; return v; };
  eq(u8(), 0x16, 'handshake record');
  eq(u16(), 0x0301, 'legacy record version 1.0');
  const recordLen = u16();
  eq(recordLen, d.length - 5, 'record length');
  eq(u8(), 1, 'client_hello');
  const hsLen = (u8() << 16) | u16();
  eq(hsLen, d.length - 9, 'handshake length');
  const version = u16();
  need(32, 'random'); o += 32;
  const sessionId = u8(); need(sessionId, 'session id'); o += sessionId;
  const csLen = u16(); eq(csLen % 2, 0, 'cipher suites length even'); need(csLen, 'cipher suites');
  const suites: number[] = []; for (const end = o + csLen; o < end;) suites.push(u16());
  const cmLen = u8(); const compression = [...d.subarray(o, o + cmLen)]; o += cmLen;
  const extLen = u16();
  eq(extLen, d.length - o, 'extensions length');
  const exts = new Map<number, Buffer>(); const order: number[] = [];
  while (o < d.length) {
    const type = u16(), len = u16(); need(len, `extension ${type}`);
    if (exts.has(type)) throw new Error(`duplicate extension ${type}`);
    exts.set(type, d.subarray(o, o + len)); order.push(type); o += len;
  }
  return { version, suites, compression, sessionId, exts, order, recordLen };
}

const u16list = (b: Buffer, lenBytes: 1 | 2) => {
  const n = lenBytes === 1 ? b[0] : b.readUInt16BE(0);
  assert.is(n, b.length - lenBytes, 'inner list length');
  const out: number[] = []; for (let i = lenBytes; i < b.length; i += 2) out.push(b.readUInt16BE(i));
  return out;
};

test('the probe sends shared/tls\'s certificate-only ClientHello under the scan key: 1.0 to 1.3, both key shares', () => {
  const s = clientSecrets(KEY);
  const h = parse(probe());
  assert.equal(probe(), clientHello(s, { legacy: true }));
  assert.equal(tlsProbeHello(KEY).hello, probe(), 'banners recomputes the same bytes');
  assert.is(h.version, 0x0303);
  assert.is(h.sessionId, 32);
  assert.equal(h.compression, [0]);
  assert.equal(h.suites, [...TLS13_SUITES, ...TLS12_SUITES, ...LEGACY_SUITES]);
  for (const suite of [0x1301, 0xc02f, 0xc013, 0x002f, 0x000a]) assert.ok(h.suites.includes(suite), `suite ${suite.toString(16)}`);
  assert.not.ok(h.exts.has(EXT.server_name));
  assert.equal(u16list(h.exts.get(EXT.supported_versions)!, 1), [0x0304, 0x0303, 0x0302, 0x0301]);
  const ks = h.exts.get(EXT.key_share)!;
  assert.is(ks.readUInt16BE(0), ks.length - 2);
  assert.is(ks.readUInt16BE(2), 0x001d, 'x25519');
  assert.is(ks.subarray(6, 38).toString('hex'), Buffer.from(s.x25519Public).toString('hex'));
  assert.is(ks.readUInt16BE(38), 0x0017, 'secp256r1');
  assert.is(ks.subarray(42).toString('hex'), Buffer.from(s.p256Public).toString('hex'));
  assert.is(h.exts.get(EXT.alpn)!.subarray(2).toString('latin1'), '\x08http/1.1');
  assert.ok(h.recordLen + 5 <= 1400);
  assert.is.not(Buffer.from(tlsProbeHello(new Uint8Array(16).fill(8)).hello).toString('hex'), Buffer.from(probe()).toString('hex'), 'another key, another hello');
});

test('the probe with --sni carries one host_name entry; without the scan key it cannot be built', () => {
  const h = parse(probe('www.example.com'));
  const sni = h.exts.get(EXT.server_name)!;
  assert.is(sni.readUInt16BE(0), sni.length - 2, 'server_name_list length');
  assert.is(sni[2], 0, 'host_name');
  assert.is(sni.readUInt16BE(3), 15);
  assert.is(sni.subarray(5).toString('latin1'), 'www.example.com');
  assert.throws(() => tlsProbe.payload(probeConfig({})), /needs the scan key/);
  assert.throws(() => buildProbePlan({ probe: ['tls'] }), /needs the scan key/);
  assert.equal(buildProbePlan({ probe: ['tls'] }, KEY).payload(2).before, probe());
});

test('ClientHellos of 256-511 bytes are padded to 512 or just past it (RFC 7685), others are not', () => {
  for (let n = 1; n <= 200; n += 7) {
    const name = ('a'.repeat(Math.min(n, 60)) + '.b'.repeat(Math.floor(n / 2))).slice(0, 250).replace(/\.$/, '');
    const b = probe(name);
    const h = parse(b);
    const hsLen = b.length - 5;
    if (h.exts.has(EXT.padding)) {
      assert.ok(hsLen >= 512 && hsLen <= 515, `sni ${name.length}: padded to ${hsLen}`);
      assert.ok(h.exts.get(EXT.padding)!.every((x) => x === 0));
    } else {
      assert.ok(hsLen < 256 || hsLen >= 512, `unpadded hello of ${hsLen}`);
    }
  }
});

test('the strict reader rejects a cut ClientHello (the test can fail)', () => {
  const b = probe();
  assert.throws(() => parse(b.subarray(0, b.length - 3)));
});


test('the https probe, the default of 443 and 8443, sends the tls probe\'s hello byte for byte: whatever certificate tls gets, it gets', () => {
  const { httpsProbe } = require('../shared/probes/https');
  const { defaultProbeForPort, probeNamesOf } = require('../shared/probes');
  for (const port of [443, 8443]) assert.is(defaultProbeForPort(port).name, 'https', `port ${port}`);
  for (const sni of [undefined, 'www.example.com']) {
    const cfg = probeConfig(sni ? { sni } : {}, KEY);
    assert.equal(httpsProbe.payload(cfg).before, tlsProbe.payload(cfg).before, `--sni ${sni}`);
    assert.equal(httpsProbe.named(cfg, 'named.example').before, tlsProbe.named!(cfg, 'named.example').before, 'a named target');
  }
  // Its answer is a TLS server's flight like tls's: a server that picks TLS 1.0, CBC, DHE or RSA
  // key exchange still gets the offer (the legacy suites after the ones we can finish).
  const h = parse(httpsProbe.payload(probeConfig({}, KEY)).before);
  assert.equal(h.suites, [...TLS13_SUITES, ...TLS12_SUITES, ...LEGACY_SUITES]);
  assert.equal(u16list(h.exts.get(EXT.supported_versions)!, 1), [0x0304, 0x0303, 0x0302, 0x0301]);
  // scan reads the same choice to hand banners the replies FIFO (the default converses).
  const names = probeNamesOf({ probe: [] });
  assert.equal(names(443), ['https']);
  assert.equal(names(993), ['tls']);
  assert.equal(probeNamesOf({ probe: ['443:tls'] })(443), ['tls'], 'the certificate alone, as before, when asked');
  assert.equal(probeNamesOf({ probe: ['tls,http'] })(8443), ['tls', 'http']);
  assert.equal(probeNamesOf({ probe: [], identify: true })(443), ['null', 'tls', 'http']);
});
test.run();
