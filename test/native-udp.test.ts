// Sender.sendUdp in pcap mode: every built-in UDP payload, both families, parsed and checked here
// without the native code (checksums recomputed, the cookie's low bytes at the payload's id field,
// the source port keyed for the slot as a SYN's), slot 15's per-port payloads, and argument checks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadNative, SenderOptions } from '../native/index';
import { readPcapFile } from './packets';
import { a6 } from './packets6';
import { checkUdp, idBytes, udpCookie } from './udp-frames';
import { UDP_PAYLOADS } from '../shared/udp/registry';
import { sourcePort } from '../shared/cookie';

const native = loadNative();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-native-udp-'));
const KEY = Uint8Array.from({ length: 16 }, (_, i) => 0x30 + i);
const BASE = 32768, COUNT = 61000 - 32768 + 1;
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

function opts(file: string, extra: Partial<SenderOptions> = {}): SenderOptions {
  return {
    pcapFile: file, srcMac: '02:00:00:00:00:01', dstMac: '02:00:00:00:00:02', srcIp: '198.18.0.1', srcIp6: '2001:db8::1',
    ttl: 61, synOptions: 'linux', key: KEY, sportBase: BASE, sportCount: COUNT, ...extra,
  };
}

test('sendUdp: every built-in payload to IPv4 and IPv6 targets: checksums right, cookie in the id field, keyed sport', () => {
  const file = path.join(dir, 'all.pcap');
  const s = new native.Sender(opts(file));
  const cfg = { snmpCommunity: 'public' };
  for (const m of UDP_PAYLOADS) {
    const p = m.payload(cfg);
    s.setUdpPayload(m.slot, p.bytes, p.id ? p.id.offset : -1, p.id ? p.id.len : 0);
  }
  // Each module twice per family (two targets), so that the id changes between datagrams.
  const n = UDP_PAYLOADS.length * 4;
  const ips = new Uint32Array(n), ports = new Uint16Array(n), slots = new Uint8Array(n), fam = new Uint8Array(n);
  const addrs6 = new Uint8Array(16 * n);
  UDP_PAYLOADS.forEach((m, k) => {
    for (let r = 0; r < 4; r++) {
      const i = 4 * k + r;
      ports[i] = m.ports[0] ?? 9999; slots[i] = 0xf0 | m.slot;   // the ring's mark in the high bits is ignored
      fam[i] = r < 2 ? 4 : 6;
      ips[i] = 0xc6120100 + i;
      addrs6.set(a6(`2001:db8::${(0x100 + i).toString(16)}`), 16 * i);
    }
  });
  assert.is(s.sendUdp(ips, ports, slots, n, fam, addrs6), n);
  assert.is(s.stats().udp_sent, n);
  s.close();
  const frames = readPcapFile(file);
  assert.is(frames.length, n);
  const ids = new Set<string>();
  frames.forEach((f, i) => {
    const m = UDP_PAYLOADS[Math.floor(i / 4)], p = m.payload(cfg);
    const d = checkUdp(f.data);
    assert.is(d.ttl, 61);
    assert.is(d.v6, fam[i] === 6);
    assert.is(d.dport, ports[i]);
    const { cookie, slot } = udpCookie(KEY, d, BASE, COUNT);
    assert.is(slot, m.slot, `${m.name}: the source port carries slot ${m.slot}`);
    if (!d.v6) assert.is(d.sport, sourcePort(KEY, 0xc6120001, ips[i], ports[i], m.slot, BASE, COUNT), 'the SYN\'s source port for that slot');
    assert.is(d.payload.length, p.bytes.length, `${m.name}: payload length`);
    const want = Uint8Array.from(p.bytes);
    if (p.id) {
      want.set(idBytes(cookie, p.id.len), p.id.offset);
      ids.add(Buffer.from(d.payload.subarray(p.id.offset, p.id.offset + p.id.len)).toString('hex'));
      // The module reads back what it sent as the cookie's bits (a server echoes it; NTP's in
      // another place of its answer, checked by catch's tests).
      if (m.name !== 'ntp' && m.name !== 'netbios') assert.is(m.echoed!(d.payload), p.id.len === 4 ? cookie >>> 0 : cookie & 0xffff, `${m.name}: echoed() reads the id`);
    }
    assert.equal(Buffer.from(d.payload).toString('hex'), Buffer.from(want).toString('hex'), `${m.name}: payload bytes`);
  });
  assert.ok(ids.size > UDP_PAYLOADS.length, 'ids differ from datagram to datagram');
});

test('sendUdp: slot 15 takes a payload per port; an odd id offset still checksums; a source range keys each target\'s address', () => {
  const file = path.join(dir, 'user.pcap');
  const s = new native.Sender(opts(file, { srcCount: 4 }));
  s.setUdpPayload(15, Uint8Array.from([1, 2, 3]), -1, 0, 7);
  s.setUdpPayload(15, Uint8Array.from([9, 9, 9, 9, 9]), -1, 0, 8);
  s.setUdpPayload(3, Uint8Array.from([0xaa, 0, 0, 0, 0, 0xbb, 0xcc]), 1, 4);   // id at an odd offset
  const ips = Uint32Array.from([0xc6120101, 0xc6120102, 0xc6120103, 0xc6120104]);
  assert.is(s.sendUdp(ips, Uint16Array.from([7, 8, 9, 10]), Uint8Array.from([15, 15, 3, 3]), 4), 4);
  s.close();
  const ds = readPcapFile(file).map((f) => checkUdp(f.data));
  assert.equal(Array.from(ds[0].payload), [1, 2, 3]);
  assert.equal(Array.from(ds[1].payload), [9, 9, 9, 9, 9]);
  for (const d of ds.slice(2)) {
    const { cookie, slot } = udpCookie(KEY, d, BASE, COUNT);
    assert.is(slot, 3);
    assert.equal(Array.from(d.payload), [0xaa, ...idBytes(cookie, 4), 0xbb, 0xcc]);
  }
  for (const d of ds) assert.ok(/^198\.18\.0\.[1-4]$/.test(d.src), d.src);
});

test('sendUdp and setUdpPayload: bad arguments throw naming them, nothing sent', () => {
  const file = path.join(dir, 'bad.pcap');
  const s = new native.Sender(opts(file));
  const one = (slot: number, port = 53) => s.sendUdp(Uint32Array.of(0xc6120101), Uint16Array.of(port), Uint8Array.of(slot), 1);
  assert.throws(() => one(0), /no payload for UDP slot 0/);
  s.setUdpPayload(15, Uint8Array.of(1), -1, 0, 7);
  assert.throws(() => one(15, 8), /no payload for UDP slot 15 and port 8/);
  assert.throws(() => s.setUdpPayload(16, Uint8Array.of(1), -1, 0), /slot must be between 0 and 15/);
  assert.throws(() => s.setUdpPayload(1, Uint8Array.of(1, 2), 1, 2), /id field must be 2 or 4 bytes inside/);
  assert.throws(() => s.setUdpPayload(1, Uint8Array.of(1, 2, 3, 4), 0, 3), /id field must be 2 or 4 bytes/);
  assert.throws(() => s.setUdpPayload(1, new Uint8Array(1401), -1, 0), /longer than 1400/);
  assert.throws(() => s.setUdpPayload(15, Uint8Array.of(1), -1, 0), /port is given for slot 15, and for it only/);
  assert.throws(() => s.setUdpPayload(2, Uint8Array.of(1), -1, 0, 53), /port is given for slot 15, and for it only/);
  assert.throws(() => s.sendUdp(Uint32Array.of(1), Uint16Array.of(1), Uint8Array.of(15), 2), /count is larger than ips.length/);
  assert.is(s.stats().udp_sent, 0);
  s.close();
});

test.run();
