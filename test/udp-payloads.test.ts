// The UDP payload catalog: fixed slots, exact payload bytes, and the cookie's way back in answers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UDP_PAYLOADS, udpPayloadByName, udpPayloadForPort } from '../shared/udp/registry';
import { UdpConfig, UdpModule, idBits } from '../shared/udp/types';
import { tlv } from '../shared/udp/ber';

const CFG: UdpConfig = { snmpCommunity: 'public' };
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const mod = (name: string): UdpModule => udpPayloadByName(name)!;
const bytes = (name: string, cfg = CFG) => mod(name).payload(cfg).bytes;

/** The payload with `cookie`'s low bytes written where blast writes them. */
function stamped(m: UdpModule, cookie: number, cfg = CFG): Uint8Array {
  const p = m.payload(cfg), b = Uint8Array.from(p.bytes);
  if (!p.id) return b;
  for (let i = 0; i < p.id.len; i++) b[p.id.offset + i] = (cookie >>> (8 * (p.id.len - 1 - i))) & 0xff;
  return b;
}

test('slots are unique, 0..14, names unique; every port has a default', () => {
  const slots = UDP_PAYLOADS.map((m) => m.slot), names = UDP_PAYLOADS.map((m) => m.name);
  assert.equal(new Set(slots).size, slots.length);
  assert.equal(new Set(names).size, names.length);
  for (const s of slots) assert.ok(s >= 0 && s <= 14, `slot ${s}`);
  assert.equal(UDP_PAYLOADS.map((m) => [m.name, m.slot]), [
    ['dns-version', 0], ['dns', 1], ['ntp', 2], ['snmp-v1', 3], ['snmp-v2c', 4], ['ssdp', 5],
    ['netbios', 6], ['memcached', 7], ['mdns', 8], ['snmp-v3', 9],
  ]);
  assert.is(udpPayloadForPort(53)!.name, 'dns-version');
  assert.is(udpPayloadForPort(161)!.name, 'snmp-v1');
  assert.is(udpPayloadForPort(5353)!.name, 'mdns');
  assert.is(udpPayloadForPort(9), undefined);
});

test('an id field lies inside its payload, is zero there, and has an echoed()', () => {
  for (const m of UDP_PAYLOADS) {
    const p = m.payload(CFG);
    if (!p.id) { assert.is(m.echoed, undefined, `${m.name} echoes nothing`); continue; }
    assert.ok(p.id.offset >= 0 && p.id.offset + p.id.len <= p.bytes.length, m.name);
    assert.ok(p.bytes.subarray(p.id.offset, p.id.offset + p.id.len).every((x) => x === 0), `${m.name} id is zero`);
    assert.type(m.echoed, 'function', m.name);
    assert.is(m.echoed!(new Uint8Array(0)), null, `${m.name} on nothing`);
  }
});

test('dns-version and dns: exact bytes', () => {
  assert.is(hex(bytes('dns-version')), '000000000001000000000000' + '0776657273696f6e0462696e6400' + '00100003');
  assert.is(hex(bytes('dns')), '000001000001000000000000' + '076578616d706c6503636f6d00' + '00010001');
});

test('mdns: exact bytes (the DNS-SD service list, PTR IN)', () => {
  assert.is(hex(bytes('mdns')), '000000000001000000000000' +
    '095f7365727669636573075f646e732d7364045f756470056c6f63616c00' + '000c0001');
});

test('ntp: exact bytes, cookie in the transmit seconds', () => {
  assert.is(hex(bytes('ntp')), '23' + '00'.repeat(47));
  assert.equal(mod('ntp').payload(CFG).id, { offset: 40, len: 4 });
});

test('snmp-v1 and snmp-v2c: exact bytes for public, long communities in long form', () => {
  const body = (v: string) => '3029' + '0201' + v + '04067075626c6963' + 'a01c' + '020400000000' + '020100' + '020100' +
    '300e300c06082b060102010101000500';
  assert.is(hex(bytes('snmp-v1')), body('00'));
  assert.is(hex(bytes('snmp-v2c')), body('01'));
  assert.equal(mod('snmp-v1').payload(CFG).id, { offset: 17, len: 4 });
  const long = mod('snmp-v2c').payload({ snmpCommunity: 'c'.repeat(200) });
  assert.is(hex(long.bytes.subarray(0, 12)), '3081ec' + '020101' + '0481c8' + '636363');
  assert.is(hex(long.bytes.subarray(long.id!.offset - 2, long.id!.offset + 4)), '020400000000');
  assert.is(hex(long.bytes.subarray(203 + 3 + 3, 203 + 3 + 3 + 2)), 'a01c');
});

test('snmp-v3: exact bytes, the msgID a positive 3-byte INTEGER around the cookie', () => {
  assert.is(hex(bytes('snmp-v3')), '303b' + '020103' + '3010' + '020301' + '0000' + '020300ffe3' + '040104' + '020103' +
    '0410300e' + '040002010002010004000400' + '0400' + '3012' + '04000400' + 'a00c' + '02024a69' + '020100' + '020100' + '3000');
  assert.equal(mod('snmp-v3').payload(CFG).id, { offset: 10, len: 2 });
});

test('ssdp: exact text, no id', () => {
  assert.is(Buffer.from(bytes('ssdp')).toString('latin1'),
    'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n');
  assert.is(mod('ssdp').payload(CFG).id, undefined);
});

test('netbios: exact bytes, the wildcard name NBSTAT', () => {
  assert.is(hex(bytes('netbios')), '000000000001000000000000' + '20' + Buffer.from('CK' + 'A'.repeat(30)).toString('hex') + '00' + '00210001');
});

test('memcached: frame header then version', () => {
  assert.is(hex(bytes('memcached')), '0000000000010000' + Buffer.from('version\r\n').toString('hex'));
});

/** An answer as each server builds it from our stamped request. */
function answer(name: string, cookie: number): Uint8Array {
  const req = stamped(mod(name), cookie);
  switch (name) {
    case 'dns-version': case 'dns': case 'mdns': case 'netbios': {
      const a = Uint8Array.from([...req, 0xc0, 12, 0, 16, 0, 3, 0, 0, 0, 0, 0, 2, 1, 0x41]);
      a[2] |= 0x84; a[7] = 1;
      return a;
    }
    case 'ntp': {
      const a = new Uint8Array(48); a[0] = 0x24; a[1] = 2;
      a.set(req.subarray(40, 48), 24); a.set([0xe9, 1, 2, 3], 40);
      return a;
    }
    case 'memcached': return Uint8Array.from([...req.subarray(0, 8), ...Buffer.from('VERSION 1.6.21\r\n')]);
  }
  throw new Error(name);
}

/** net-snmp's answer: the request-id decoded as a signed long and encoded back minimally. */
function snmpResponse(cookie: number, version = 1): Uint8Array {
  const v = cookie | 0;
  const content: number[] = [];
  for (let x = v; ; x >>= 8) { content.unshift(x & 0xff); if ((x >= -128 && x <= 127)) break; }
  const vb = tlv(0x30, tlv(0x30, tlv(0x06, [0x2b, 6, 1, 2, 1, 1, 1, 0]), tlv(0x04, Buffer.from('Linux x 6.1'))));
  return tlv(0x30, [2, 1, version], tlv(0x04, Buffer.from('public')), tlv(0xa2, tlv(0x02, content), [2, 1, 0], [2, 1, 0], vb));
}

test('echoed() gives back the cookie bits from each server answer', () => {
  for (const cookie of [0, 1, 0x12, 0x7f, 0x80, 0xff, 0x1234, 0x8000, 0x123456, 0x7fffffff, 0x80000000, 0xffffff80, 0xffffffff, 0xdeadbeef]) {
    for (const name of ['dns-version', 'dns', 'mdns', 'netbios', 'ntp', 'memcached']) {
      const m = mod(name), len = m.payload(CFG).id!.len;
      assert.is(m.echoed!(answer(name, cookie)), idBits(cookie, len), `${name} ${cookie.toString(16)}`);
    }
    // net-snmp's report echoes the msgID as it came (0x01xxxx is minimal already).
    assert.is(mod('snmp-v3').echoed!(stamped(mod('snmp-v3'), cookie)), cookie & 0xffff, `snmp-v3 ${cookie.toString(16)}`);
    for (const name of ['snmp-v1', 'snmp-v2c']) {
      assert.is(mod(name).echoed!(snmpResponse(cookie)), cookie >>> 0, `${name} ${cookie.toString(16)}`);
      // Our own request, echoed unchanged (a non-minimal 4-byte INTEGER), reads the same.
      assert.is(mod(name).echoed!(stamped(mod(name), cookie)), cookie >>> 0, `${name} verbatim ${cookie.toString(16)}`);
    }
  }
});

test('echoed() refuses what is not its protocol', () => {
  assert.is(mod('ntp').echoed!(new Uint8Array(48).fill(0x23)), null, 'a mode 3 request is no answer');
  assert.is(mod('ntp').echoed!(new Uint8Array(47).fill(0x24)), null, 'short');
  assert.is(mod('netbios').echoed!(new Uint8Array(50)), null, 'R bit clear');
  assert.is(mod('memcached').echoed!(new Uint8Array(7)), null);
  const snmp = mod('snmp-v2c').echoed!;
  assert.is(snmp(Buffer.from('HTTP/1.1 400 Bad Request\r\n')), null);
  const r = snmpResponse(0x1234);
  for (let n = 0; n < r.length; n++) if (snmp(r.subarray(0, n)) !== null) assert.unreachable(`truncated at ${n} read an id`);
  assert.is(snmp(Uint8Array.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 2, 1, 1)), null, 'huge length');
  assert.is(snmp(Uint8Array.of(0x30, 0x80, 2, 1, 1, 0, 0)), null, 'indefinite length');
  assert.is(mod('snmp-v3').echoed!(r), null, 'a v2c message has no msgID');
  assert.is(snmp(bytes('snmp-v3')), null, 'a v3 message has no community');
});

test.run();
