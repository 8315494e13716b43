// blast --pcap for UDP targets, checked byte by byte without the native code: every built-in
// payload at its default port and both families (checksums recomputed, the cookie's low bytes at
// the payload's id field, the source port carrying the payload's slot), --probe U:PORTS:NAME,
// --snmp-community, --udp-payloads with nmap's own file, empty datagrams for ports no payload
// has, --attempts, and the refusals (unknown proto, a source range too small for slots).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { trawl } from './helpers';
import { readPcapFile } from './packets';
import { checkUdp, Datagram, idBytes, udpCookie } from './udp-frames';
import { parseKey } from '../shared/key';
import { UDP_PAYLOADS, udpPayloadByName } from '../shared/udp/registry';
import { parseUdpPayloads } from '../shared/udp/nmap-payloads';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-udp-blast-'));
const keyFile = path.join(dir, 'k');
fs.writeFileSync(keyFile, '0f0e0d0c0b0a09080706050403020100\n', { mode: 0o600 });
const key = parseKey(fs.readFileSync(keyFile, 'utf8'), keyFile);
const BASE = 32768, COUNT = 61000 - 32768 + 1;
const base = ['blast', '--key-file', keyFile, '--source-ip', '198.19.0.1', '--source-ip', '2001:db8::99',
  '--router-mac', '02:00:00:00:00:0b', '--rate', 'max'];
const NMAP_PAYLOADS = '/usr/share/nmap/nmap-payloads';
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

const udpTarget = (ip: string, port: number, i: number) => JSON.stringify({ type: 'target', ip, port, proto: 'udp', i }) + '\n';

function blast(args: string[], input: string): { code: number; stderr: string; frames: Datagram[] } {
  const pcap = path.join(dir, `b${Math.random().toString(36).slice(2)}.pcap`);
  const r = trawl([...base, '--pcap', pcap, ...args], input);
  const frames = fs.existsSync(pcap) ? readPcapFile(pcap).map((f) => checkUdp(f.data)) : [];
  return { code: r.code, stderr: r.stderr, frames };
}

/** The payload a module sends with the cookie of datagram d in its id field. */
function expected(name: string, d: Datagram, community = 'public'): string {
  const m = udpPayloadByName(name)!, p = m.payload({ snmpCommunity: community });
  const { cookie } = udpCookie(key, d, BASE, COUNT);
  const want = Uint8Array.from(p.bytes);
  if (p.id) want.set(idBytes(cookie, p.id.len), p.id.offset);
  return Buffer.from(want).toString('hex');
}

test('blast --pcap: every built-in UDP payload at its default port, IPv4 and IPv6, cookie placed, checksums right, slot in the sport', () => {
  // The first module of each default port (53: dns-version; 161: snmp-v1) by default.
  const defaults = UDP_PAYLOADS.filter((m, k) => m.ports.length && UDP_PAYLOADS.findIndex((x) => x.ports.includes(m.ports[0])) === k);
  let input = '', i = 0;
  for (const m of defaults) { input += udpTarget('198.18.0.7', m.ports[0], i++); input += udpTarget('2001:db8::7', m.ports[0], i++); }
  const r = blast(['--ttl', '40'], input);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /sent 14 UDP datagrams/);
  assert.is(r.frames.length, 2 * defaults.length);
  for (const d of r.frames) {
    const m = defaults.find((x) => x.ports[0] === d.dport)!;
    assert.is(d.ttl, 40);
    assert.is(d.src, d.v6 ? '2001:db8::99' : '198.19.0.1');
    assert.is(udpCookie(key, d, BASE, COUNT).slot, m.slot, `${m.name}: the source port carries slot ${m.slot}`);
    assert.is(Buffer.from(d.payload).toString('hex'), expected(m.name, d), `${m.name} ${d.v6 ? 'IPv6' : 'IPv4'}: payload with the cookie`);
  }
  assert.equal(defaults.map((m) => m.name).sort(), ['dns-version', 'mdns', 'memcached', 'netbios', 'ntp', 'snmp-v1', 'ssdp']);
});

test('blast: --probe U:PORTS:NAME picks any payload (each module by name), --snmp-community goes into the SNMP requests', () => {
  const names = UDP_PAYLOADS.map((m) => m.name);
  const args = names.flatMap((n, k) => ['--probe', `U:${2000 + k}:${n}`]);
  let input = '';
  names.forEach((_, k) => { input += udpTarget('198.18.0.9', 2000 + k, k); });
  const r = blast([...args, '--snmp-community', 'n0t-public'], input);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.frames.length, names.length);
  for (const d of r.frames) {
    const name = names[d.dport - 2000];
    assert.is(udpCookie(key, d, BASE, COUNT).slot, udpPayloadByName(name)!.slot, name);
    assert.is(Buffer.from(d.payload).toString('hex'), expected(name, d, 'n0t-public'), name);
    if (name.startsWith('snmp-v') && name !== 'snmp-v3') assert.ok(Buffer.from(d.payload).includes('n0t-public'), 'the community is sent');
  }
});

test('blast: --udp-payloads nmap-payloads for ports without a built-in payload (slot 15), an empty datagram elsewhere (slot 14)', () => {
  if (!fs.existsSync(NMAP_PAYLOADS)) { console.log(`  (skipped: no ${NMAP_PAYLOADS})`); return; }
  const file = parseUdpPayloads(fs.readFileSync(NMAP_PAYLOADS), NMAP_PAYLOADS);
  // 7 (echo), 69 (tftp), 500 (IKE) are in nmap's file; 53 keeps the built-in; 9 is in neither.
  const input = udpTarget('198.18.0.5', 7, 0) + udpTarget('198.18.0.5', 69, 1) + udpTarget('198.18.0.5', 500, 2) +
    udpTarget('198.18.0.5', 53, 3) + udpTarget('198.18.0.5', 9, 4);
  const r = blast(['--udp-payloads', NMAP_PAYLOADS], input);
  assert.is(r.code, 0, r.stderr);
  const by = new Map(r.frames.map((d) => [d.dport, d]));
  for (const port of [7, 69, 500]) {
    const d = by.get(port)!;
    assert.is(udpCookie(key, d, BASE, COUNT).slot, 15, `port ${port}: the user slot`);
    assert.equal(Buffer.from(d.payload), Buffer.from(file.byPort.get(port)!), `port ${port}: nmap's payload`);
  }
  assert.is(Buffer.from(by.get(53)!.payload).toString('hex'), expected('dns-version', by.get(53)!));
  assert.is(by.get(9)!.payload.length, 0, 'no payload anywhere: an empty datagram');
  assert.is(udpCookie(key, by.get(9)!, BASE, COUNT).slot, 14);
  // Without the file, 7 gets the empty datagram too.
  const e = blast([], udpTarget('198.18.0.5', 7, 0));
  assert.is(e.frames[0].payload.length, 0);
});

test('blast: --attempts repeats datagrams (same port, same cookie); --packet-trace names them', () => {
  const pcap = path.join(dir, 'att.pcap');
  const r = trawl([...base, '--pcap', pcap, '--attempts', '2', '--packet-trace'], udpTarget('198.18.0.3', 123, 0));
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /SENT [0-9.]+ udp > 198\.18\.0\.3:123\n/);
  assert.match(r.stderr, /SENT [0-9.]+ udp > 198\.18\.0\.3:123 \(repeat\)/);
  const f = readPcapFile(pcap).map((x) => checkUdp(x.data));
  assert.is(f.length, 2);
  assert.equal(f[0].payload, f[1].payload);
  assert.is(f[0].sport, f[1].sport);
});

test('blast: UDP refusals name the line; an unknown proto is never sent; bad --probe U: values are usage errors', () => {
  const input = JSON.stringify({ type: 'target', ip: '198.18.0.1', port: 53, proto: 'sctp' }) + '\n' +
    JSON.stringify({ type: 'target', ip: '198.18.0.1', port: 0, proto: 'udp' }) + '\n' + udpTarget('198.18.0.2', 53, 2);
  const r = blast([], input);
  assert.is(r.code, 3);
  assert.match(r.stderr, /stdin:1: target "proto" "sctp": .*not sent/);
  assert.match(r.stderr, /stdin:2: target "port" is not an integer from 1 to 65535/);
  assert.is(r.frames.length, 1);
  const small = blast(['--source-port', '40000-40007'], udpTarget('198.18.0.2', 53, 0));
  assert.is(small.code, 3);
  assert.match(small.stderr, /stdin:1: a "udp" target needs a --source-port range of at least 16 ports/);
  for (const [v, why] of [['U:53:nope', /unknown UDP payload 'nope'/], ['U:53,T:80:dns', /every port after U: is a UDP port/],
    ['U:53:user', /the user payload needs --udp-payloads FILE/]] as const) {
    const u = trawl([...base, '--pcap', path.join(dir, 'x.pcap'), '--probe', v], '');
    assert.is(u.code, 2, v);
    assert.match(u.stderr, why);
  }
  const c = trawl([...base, '--pcap', path.join(dir, 'x.pcap'), '--snmp-community', ''], '');
  assert.is(c.code, 2);
});

test.run();
