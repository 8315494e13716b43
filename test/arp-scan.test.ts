// The ARP scan without a network: the OUI list read (quoted names, a missing file), the check
// that an answer is addressed to us, the LAN pass driven by a mock sender and capture replaying
// real-shaped and forged answers (only answers to our own requests for addresses asked become
// alive records, once each), and blast --pcap in a namespace of its own: the ARP request and
// Neighbor Solicitation bytes of arp targets, even for an address the kernel knows.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { isRoot, lines, trawl } from './helpers';
import { inNs } from './testbed';
import { ipToU32, inetChecksum, readPcapFile, u32ToIp } from './packets';
import { a6, pseudo6 } from './packets6';
import { LanResolver, OnLink, TRIES } from '../shared/blast/lan';
import { answersUs, Ours } from '../shared/blast/arp-scan';
import { newNeighborAnswer, parseNeighborAnswer } from '../shared/blast/neighbor-answers';
import { macVendor, OUI_FILE, parseOuiCsv } from '../shared/oui';
import { formatIPv6, ipv6FromBytes } from '../shared/ipv6';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-arp-scan-'));
const NS = `arps${process.pid}`.slice(0, 12);
test.after(() => { spawnSync('ip', ['netns', 'del', NS]); fs.rmSync(dir, { recursive: true, force: true }); });

const mac = (s: string) => Uint8Array.from(s.split(':').map((h) => parseInt(h, 16)));
const OUR = '02:fa:00:00:00:01', OUR_IP = '10.250.0.1', OUR_LL = 'fe80::1';
const ours: Ours = { mac: mac(OUR), ip4: ipToU32(OUR_IP), ip6: [a6(OUR_LL), a6('fd00:250::1')] };

interface ArpOpts { op?: number; dst?: string; tha?: string; tpa?: string }
/** An ARP reply from `from` (MAC) announcing ip, addressed as the options say (default: to us). */
function arp(ip: string, from: string, o: ArpOpts = {}): Uint8Array {
  const f = Buffer.alloc(60);
  Buffer.from(mac(o.dst ?? OUR)).copy(f, 0); Buffer.from(mac(from)).copy(f, 6); f.writeUInt16BE(0x0806, 12);
  f.writeUInt16BE(1, 14); f.writeUInt16BE(0x0800, 16); f[18] = 6; f[19] = 4; f.writeUInt16BE(o.op ?? 2, 20);
  Buffer.from(mac(from)).copy(f, 22); f.writeUInt32BE(ipToU32(ip), 28);
  Buffer.from(mac(o.tha ?? OUR)).copy(f, 32); f.writeUInt32BE(ipToU32(o.tpa ?? OUR_IP), 38);
  return f;
}

interface NaOpts { flags?: number; dst?: string; to?: string }
/** A Neighbor Advertisement for target from MAC src with its target link-layer option. */
function advert(target: string, src: string, o: NaOpts = {}): Uint8Array {
  const f = Buffer.alloc(86);
  Buffer.from(mac(o.dst ?? OUR)).copy(f, 0); Buffer.from(mac(src)).copy(f, 6); f.writeUInt16BE(0x86dd, 12);
  f.writeUInt32BE(0x60000000, 14); f.writeUInt16BE(32, 18); f[20] = 58; f[21] = 255;
  Buffer.from(a6(target)).copy(f, 22); Buffer.from(a6(o.to ?? OUR_LL)).copy(f, 38);
  f[54] = 136; f[58] = o.flags ?? 0x60; Buffer.from(a6(target)).copy(f, 62);
  f[78] = 2; f[79] = 1; Buffer.from(mac(src)).copy(f, 80);
  const pseudo = Buffer.alloc(40);
  f.copy(pseudo, 0, 22, 54); pseudo.writeUInt32BE(32, 32); pseudo.writeUInt32BE(58, 36);
  f.writeUInt16BE(inetChecksum(pseudo, f.subarray(54)), 56);
  return f;
}

test('the OUI list: quoted names with commas and quotes, one entry per prefix, Debian\'s file read, no file -> no vendor', () => {
  const m = parseOuiCsv('Registry,Assignment,Organization Name,Organization Address\n' +
    'MA-L,005056,"VMware, Inc.",3401 Hillview Avenue PALO ALTO CA US 94304\r\n' +
    'MA-L,00AABB,"The ""Quoted"" Co",Somewhere\n' +
    'MA-L,00aabb,Second Entry,Ignored\n' +
    'MA-M,0050560,Not MA-L,x\n' +
    'MA-L,XYZ123,Bad hex,x\n' +
    'MA-L,001122,"Unterminated, name\n' +
    'MA-L,001133,Evil\x1b[31m Name,x\n');
  assert.equal([...m], [[0x005056, 'VMware, Inc.'], [0x00aabb, 'The "Quoted" Co'], [0x001122, 'Unterminated, name'], [0x001133, 'Evil[31m Name']]);
  assert.is(macVendor(mac('00:00:00:00:00:01'), path.join(dir, 'no-such-oui.csv')), null);
  if (fs.existsSync(OUI_FILE)) {
    assert.is(macVendor(mac('00:50:56:fa:00:02')), 'VMware, Inc.');
    assert.is(macVendor(mac('02:fa:00:00:01:01')), null, 'a locally administered MAC has no vendor');
  }
});

test('answersUs: an answer to our own request only (destination MAC, ARP target MAC and IP, NA destination and Solicited flag)', () => {
  const a = newNeighborAnswer();
  const check = (f: Uint8Array) => { assert.ok(parseNeighborAnswer(f, a), 'an answer'); return answersUs(f, a.family, ours); };
  const H = '00:50:56:fa:00:02';
  assert.ok(check(arp('10.250.0.10', H)));
  assert.not.ok(check(arp('10.250.0.10', H, { dst: 'ff:ff:ff:ff:ff:ff' })), 'broadcast (gratuitous) reply');
  assert.not.ok(check(arp('10.250.0.10', H, { dst: '02:fa:00:00:00:99', tha: '02:fa:00:00:00:99' })), 'a reply to another host');
  assert.not.ok(check(arp('10.250.0.10', H, { tha: '00:00:00:00:00:00' })), 'target MAC not ours');
  assert.not.ok(check(arp('10.250.0.10', H, { tpa: '10.250.0.2' })), 'target IP not ours');
  assert.not.ok(check(arp('10.250.0.10', H, { tpa: '10.250.0.10' })), 'gratuitous: target IP = sender IP');
  assert.ok(check(advert('fd00:250::a', H)));
  assert.ok(check(advert('fd00:250::a', H, { to: 'fd00:250::1' })), 'to our source address');
  assert.not.ok(check(advert('fd00:250::a', H, { flags: 0x20 })), 'unsolicited (override only)');
  assert.not.ok(check(advert('fd00:250::a', H, { to: 'ff02::1', dst: '33:33:00:00:00:01' })), 'to all nodes');
  assert.not.ok(check(advert('fd00:250::a', H, { to: 'fe80::2' })), 'to another address');
  assert.not.ok(check(advert('fd00:250::a', H, { dst: '02:fa:00:00:00:99' })), 'to another MAC');
  assert.not.ok(answersUs(arp('10.250.0.10', H), 4, { ...ours, ip4: null }), 'no IPv4 source: no IPv4 answer is ours');
});

class MockCapture {
  static last: MockCapture | null = null;
  frames: Uint8Array[] = [];
  cb: (() => void) | null = null;
  constructor() { MockCapture.last = this; }
  read(buf: Uint8Array, meta: Uint32Array, times: Float64Array, max: number): number {
    let n = 0, off = 0;
    while (n < max && this.frames.length) {
      const f = this.frames.shift()!;
      buf.set(f, off); meta[3 * n] = off; meta[3 * n + 1] = f.length; meta[3 * n + 2] = f.length;
      times[n] = Date.now() * 1000;
      off += f.length; n++;
    }
    return n;
  }
  onReadable(cb: () => void): void { this.cb = cb; }
  push(f: Uint8Array): void { this.frames.push(f); this.cb?.(); }
  close(): void {}
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const R = (dest: string, bits: number) => ({ iface: 'lan0', dest: ipToU32(dest), mask: bits ? (0xffffffff << (32 - bits)) >>> 0 : 0, gateway: 0, metric: 0 });
const R6 = (dest: string, prefix: number) => ({ iface: 'lan0', dest: BigInt('0x' + Buffer.from(a6(dest)).toString('hex')), prefix, gateway: null, metric: 0 });

test('the LAN pass over replayed answers: alive only for addresses asked and answers to us, once each; kernel MACs asked anyway; silence makes no record', async () => {
  const asked: string[] = [];
  const sender = {
    setNeighbors: () => 0,
    sendResolves(ips: Uint32Array, n: number, fams?: Uint8Array, addrs6?: Uint8Array) {
      for (let i = 0; i < n; i++) asked.push(fams && fams[i] === 6 ? formatIPv6(ipv6FromBytes(addrs6!, 16 * i)) : u32ToIp(ips[i]));
      return n;
    },
  };
  const native = {
    neighbors: (f: number) => (f === 4 ? [{ ip: '10.250.0.9', mac: '02:fa:00:00:01:01', iface: 'lan0', state: 0x02 }] : []),
    Capture: MockCapture,
  };
  const alive: Record<string, unknown>[] = [];
  const ol = new OnLink('lan0', [R('10.250.0.0', 24)] as any, [R6('fd00:250::', 64)] as any);
  const r = new LanResolver(ol, native as any, 'lan0', true, { timeoutMs: 150, queueMax: 100, rate: 1000, from6: OUR_LL, ours }, {
    release: () => undefined, unreachable: () => undefined, alive: (rec) => { alive.push(rec); },
  });
  r.attach(sender as any, 4);
  r.attach(sender as any, 6);
  const scan = (t: string, i: number) => (t.includes(':') ? r.scanAddress(6, 0, a6(t), 0, i) : r.scanAddress(4, ipToU32(t), null, 0, i));
  ['10.250.0.9', '10.250.0.10', '10.250.0.11', 'fd00:250::a', 'fd00:250::b', '10.250.0.10'].forEach(scan);
  assert.is(r.oldest(), 0);
  await sleep(20);
  assert.equal(asked, ['10.250.0.9', '10.250.0.10', '10.250.0.11', 'fd00:250::a', 'fd00:250::b'], 'every address once, the kernel\'s too');
  const cap = MockCapture.last!;
  const forged = [
    arp('10.250.0.12', '02:66:00:00:00:12'),                              // an address not asked
    arp('10.250.0.11', '02:66:00:00:00:11', { tpa: '10.250.0.2' }),        // a reply to another asker
    arp('10.250.0.11', '02:66:00:00:00:11', { tha: '02:66:00:00:00:00' }), // target MAC not ours
    arp('10.250.0.11', '02:66:00:00:00:11', { dst: 'ff:ff:ff:ff:ff:ff' }), // broadcast
    arp('10.250.0.11', '02:66:00:00:00:11', { op: 1 }),                    // a request, not a reply
    advert('fd00:250::b', '02:66:00:00:00:0b', { flags: 0x20 }),           // unsolicited
    advert('fd00:250::b', '02:66:00:00:00:0b', { to: 'fe80::66' }),        // to someone else
    advert('fd00:250::c', '02:66:00:00:00:0c'),                            // not asked
  ];
  for (const f of forged) cap.push(f);
  cap.push(arp('10.250.0.10', '00:50:56:fa:00:02'));
  cap.push(arp('10.250.0.10', '02:66:00:00:00:10'));                        // a second answer: ignored
  cap.push(arp('10.250.0.9', '02:fa:00:00:01:01'));
  cap.push(advert('fd00:250::a', '02:fa:00:00:01:0a'));
  await sleep(20);
  await r.drain();
  const got = alive.map(({ time_us, rtt_us, ...rest }) => {
    assert.type(time_us, 'number');
    if (rtt_us !== undefined) assert.ok(Number.isInteger(rtt_us) && (rtt_us as number) >= 0, `rtt_us ${rtt_us}`);
    return rest;
  });
  const vmware = fs.existsSync(OUI_FILE) ? { vendor: 'VMware, Inc.' } : {};
  assert.equal(got, [
    { type: 'alive', ip: '10.250.0.10', proto: 'arp', mac: '00:50:56:fa:00:02', ...vmware },
    { type: 'alive', ip: '10.250.0.9', proto: 'arp', mac: '02:fa:00:00:01:01' },
    { type: 'alive', ip: 'fd00:250::a', proto: 'ndp', mac: '02:fa:00:00:01:0a' },
  ]);
  assert.equal(Object.keys(alive[0]), ['type', 'ip', 'proto', 'rtt_us', 'mac', ...(fs.existsSync(OUI_FILE) ? ['vendor'] : []), 'time_us']);
  assert.is(r.stats.alive, 3);
  assert.is(r.stats.scanned, 5);
  assert.is(r.stats.foreign, 5, 'the five answers for asked addresses that were not addressed to us');
  assert.is(asked.filter((a) => a === '10.250.0.11').length, TRIES, 'a silent address: TRIES requests, then given up');
  assert.is(asked.filter((a) => a === 'fd00:250::b').length, TRIES);
  assert.is(asked.filter((a) => a === '10.250.0.10').length, 1, 'an answered address is not asked again');
  assert.is(r.waiting, 0);
  assert.is(r.oldest(), null);
  r.stop();
});

test('an address silent for earlier targets and answering the ARP scan later: alive, and its later targets are sent', async () => {
  const sender = { setNeighbors: () => 0, sendResolves: (_i: Uint32Array, n: number) => n };
  const native = { neighbors: () => [], Capture: MockCapture };
  const alive: Record<string, unknown>[] = [], released: number[] = [], unreachable: number[] = [];
  const ol = new OnLink('lan0', [R('10.250.0.0', 24)] as any, []);
  const r = new LanResolver(ol, native as any, 'lan0', true, { timeoutMs: 60, queueMax: 100, rate: 1000, from6: null, ours }, {
    release: (_f, _ip, _a, _o, port) => { released.push(port); return undefined; },
    unreachable: (_f, _ip, _a, _o, port) => { unreachable.push(port); return undefined; },
    alive: (rec) => { alive.push(rec); },
  });
  r.attach(sender as any, 4);
  const ip = ipToU32('10.250.0.12');
  r.hold(4, ip, null, 0, 80, 0, 0);
  await r.drain();
  assert.equal([released, unreachable], [[], [80]], 'silent: unreachable');
  r.scanAddress(4, ip, null, 0, 1);
  await sleep(10);
  MockCapture.last!.push(arp('10.250.0.12', '02:fa:00:00:01:0c'));
  await r.drain();
  assert.equal(alive.map((x) => x.ip), ['10.250.0.12']);
  r.hold(4, ip, null, 0, 443, 0, 2);
  assert.equal([released, unreachable], [[443], [80]], 'now known: sent');
  r.stop();
});

test('blast: an arp target with a port, off the link, or with the LAN pass off is a bad line (exit 3), never sent as anything else', () => {
  const key = path.join(dir, 'k');
  fs.writeFileSync(key, '000102030405060708090a0b0c0d0e0f\n', { mode: 0o600 });
  const input = [{ type: 'target', ip: '198.18.0.1', proto: 'arp', port: 80 }, { type: 'target', ip: '198.18.0.2', proto: 'arp' }]
    .map((x) => JSON.stringify(x) + '\n').join('');
  const r = trawl(['blast', '--pcap', path.join(dir, 'x.pcap'), '--key-file', key, '--source-ip', '198.19.0.1', '--router-mac', '02:00:00:00:00:0b'], input);
  assert.is(r.code, 3, r.stderr);
  assert.match(r.stderr, /stdin:1: an "arp" target has no "port"/);
  assert.match(r.stderr, /stdin:2: arp target 198\.18\.0\.2: .*: not asked\n/);
  assert.match(r.stderr, /\n.*: 1 arp targets not asked: the LAN pass is off \(--router-mac or --router-ip\)\n/);
  assert.is(r.stdout, '');
  // A whole range off the link: ten lines named, the rest counted.
  const many = Array.from({ length: 30 }, (_, i) => JSON.stringify({ type: 'target', ip: `198.18.1.${i}`, proto: 'arp', i }) + '\n').join('');
  const m = trawl(['blast', '--pcap', path.join(dir, 'x.pcap'), '--key-file', key, '--source-ip', '198.19.0.1', '--router-mac', '02:00:00:00:00:0b'], many);
  assert.is(m.code, 3);
  assert.is(m.stderr.split('\n').filter((l) => /: not asked/.test(l) && /^trawl blast: stdin:/.test(l)).length, 10);
  assert.match(m.stderr, /\(more such lines are counted in the summary, not named\)\n/);
  assert.match(m.stderr, /: 30 arp targets not asked: the LAN pass is off/);
});

test('blast --pcap in a namespace: an ARP request / Neighbor Solicitation per arp target, byte for byte, the kernel\'s neighbours asked too', () => {
  if (!isRoot) { console.log('  (skipped: needs root)'); return; }
  const ip = (args: string) => {
    const r = spawnSync('ip', args.split(' '), { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ip ${args}: ${r.stderr}`);
  };
  ip(`netns add ${NS}`);
  ip(`-n ${NS} link add p0 address ${OUR} type veth peer name p1`);
  ip(`-n ${NS} link set p0 up`);
  ip(`-n ${NS} link set p1 up`);
  ip(`-n ${NS} addr add ${OUR_IP}/24 dev p0`);
  ip(`-n ${NS} -6 addr add fd00:250::1/64 dev p0 nodad`);
  ip(`-n ${NS} neigh add 10.250.0.9 lladdr 02:fa:00:00:01:01 dev p0 nud permanent`);
  const ll = /inet6 (fe80::[0-9a-f:]+)\//.exec(spawnSync('ip', ['-n', NS, '-6', 'addr', 'show', 'dev', 'p0'], { encoding: 'utf8' }).stdout)?.[1];
  assert.ok(ll, 'p0 has a link-local address');
  const key = path.join(dir, 'key');
  fs.writeFileSync(key, '8f1e2d3c4b5a69788796a5b4c3d2e1f0\n', { mode: 0o600 });
  const pcap = path.join(dir, 'arp.pcap');
  const r = inNs(NS, `$TRAWL targets 10.250.0.9 10.250.0.10 fd00:250::a --arp --seed 1 | $TRAWL blast --pcap ${pcap} -i p0 --key-file ${key} --arp-timeout 0.2 --rate 1000`);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '', 'no answers in a file: no records');
  assert.match(r.stderr, /ARP scan: 3 addresses asked \(9 ARP\/NDP requests in all\), 0 alive in /);
  const frames = readPcapFile(pcap).map((f) => Buffer.from(f.data));
  assert.is(frames.length, 3 * TRIES, 'TRIES requests per silent address, and nothing else');
  const want = new Map<string, number>();
  for (const f of frames) {
    if (f.readUInt16BE(12) === 0x0806) {
      assert.is(f.length, 42);
      const target = u32ToIp(f.readUInt32BE(38));
      const expect = Buffer.concat([Buffer.alloc(6, 0xff), Buffer.from(mac(OUR)), Buffer.from('08060001080006040001', 'hex'),
        Buffer.from(mac(OUR)), Buffer.from(Uint8Array.of(10, 250, 0, 1)), Buffer.alloc(6), Buffer.from(Uint8Array.from(target.split('.').map(Number)))]);
      assert.is(f.toString('hex'), expect.toString('hex'), `ARP request for ${target}`);
      want.set(target, (want.get(target) ?? 0) + 1);
    } else {
      assert.is(f.length, 86);
      const t = a6('fd00:250::a');
      assert.is(f.subarray(0, 6).toString('hex'), '3333ff' + Buffer.from(t.subarray(13)).toString('hex'), 'solicited-node group MAC');
      assert.is(f.subarray(6, 12).toString('hex'), Buffer.from(mac(OUR)).toString('hex'));
      assert.is(f.readUInt16BE(12), 0x86dd);
      assert.is(f.subarray(14, 22).toString('hex'), '6000000000203aff', 'version, payload length 32, ICMPv6, hop limit 255');
      assert.is(f.subarray(22, 38).toString('hex'), Buffer.from(a6(ll!)).toString('hex'), 'from our link-local address');
      assert.is(f.subarray(38, 54).toString('hex'), 'ff0200000000000000000001ff' + Buffer.from(t.subarray(13)).toString('hex'));
      assert.is(f[54], 135); assert.is(f[55], 0);
      assert.is(f.subarray(62, 78).toString('hex'), Buffer.from(t).toString('hex'), 'target');
      assert.is(f.subarray(78, 86).toString('hex'), '0101' + Buffer.from(mac(OUR)).toString('hex'), 'source link-layer address option');
      assert.is(inetChecksum(pseudo6(f.subarray(22, 38), f.subarray(38, 54), 32, 58), f.subarray(54)), 0, 'ICMPv6 checksum');
      want.set('fd00:250::a', (want.get('fd00:250::a') ?? 0) + 1);
    }
  }
  assert.equal([...want].sort(), [['10.250.0.10', TRIES], ['10.250.0.9', TRIES], ['fd00:250::a', TRIES]]);
});

test.run();
