// trawl scan over IPv6 end to end in namespaces: a /118 of 2001:db8:1::/112 (local in the target)
// mixed with an IPv4 /24 in one run: open, closed, filtered and ICMPv6-unreachable ground truth.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import * as os from 'os';
import { spawn, spawnSync } from 'child_process';
import { isRoot, lines, ROOT } from './helpers';
import { testbedUp, testbedDown, testbedName, inNs } from './testbed';
import { readPcapFile } from './packets';
import { a6, checkSeg6 } from './packets6';
import { sourceIndex } from '../shared/cookie';
import { parseIPv4, formatIPv4 } from '../shared/ipv4';
import { formatIPv6, ipv6FromBytes } from '../shared/ipv6';

const name = testbedName('e2e6');
const nativeBuilt = fs.existsSync(path.join(ROOT, 'native', 'build', 'Release', 'trawl_native.node'));
const name2 = `${name.slice(0, 10)}r`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-e2e6-'));
test.after(() => { testbedDown(name); testbedDown(name2); fs.rmSync(dir, { recursive: true, force: true }); });

test('IPv6 and IPv4 in one scan: open = listeners, closed = RST ports, a dropped /120 silent, a rejected /124 unreachable', () => {
  if (!isRoot || !nativeBuilt) { console.log('  (skipped: needs root and the native module)'); return; }
  const tb = testbedUp(name, { ports: [22, 80], drop: ['2001:db8:1::300/120'] });
  // 2001:db8:1::280/124 answers port 81 with ICMPv6 administratively prohibited (type 1 code 1).
  const nft = spawnSync('ip', ['netns', 'exec', tb.targetNs, 'nft', '-f', '-'], { encoding: 'utf8', input:
    `add table inet e2e6
     add chain inet e2e6 in { type filter hook input priority -5; policy accept; }
     add rule inet e2e6 in ip6 daddr 2001:db8:1::280/124 tcp dport 81 reject with icmpv6 type admin-prohibited\n` });
  assert.is(nft.status, 0, nft.stderr);
  // The kernel rate-limits ICMPv6 errors (per destination and per namespace): lift both, so that
  // every rejected SYN gets its error and a missing record is trawl's fault.
  const sysctl = inNs(tb.targetNs, 'sysctl -qw net.ipv6.icmp.ratelimit=0 net.ipv4.icmp_msgs_per_sec=100000 net.ipv4.icmp_msgs_burst=100000');
  assert.is(sysctl.code, 0, sysctl.stderr);

  const r = inNs(tb.scanNs, `$TRAWL scan 2001:db8:1::/118 198.18.0.0/24 -p 22,80,81 -i ${tb.scanIf} --rate 5000 --cooldown 1 --seed 7 -q`);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  const recs = lines(r.stdout);
  assert.is(recs.shift().type, 'scan');
  const got: Record<string, Set<string>> = { open: new Set(), closed: new Set(), unreachable: new Set() };
  for (const x of recs) {
    const k = `${x.ip} ${x.port}`;
    assert.ok(got[x.type], `unexpected record ${JSON.stringify(x)}`);
    assert.not.ok(got[x.type].has(k), `duplicate ${x.type} ${k}`);
    got[x.type].add(k);
    if (x.type === 'unreachable') {
      assert.equal([x.from, x.icmp_type, x.icmp_code], [tb.targetIp6, 1, 1], JSON.stringify(x));   // from the target's link address
    }
  }
  const want: Record<string, Set<string>> = { open: new Set(), closed: new Set(), unreachable: new Set() };
  for (let h = 0; h < 1024; h++) {
    if (h >= 0x300) continue;   // dropped: no answer at all
    const ip = `2001:db8:1::${h ? h.toString(16) : ""}`;   // RFC 5952: ::0 is written ::
    want.open.add(`${ip} 22`); want.open.add(`${ip} 80`);
    (h >= 0x280 && h < 0x290 ? want.unreachable : want.closed).add(`${ip} 81`);
  }
  for (let h = 0; h < 256; h++) {
    want.open.add(`198.18.0.${h} 22`); want.open.add(`198.18.0.${h} 80`); want.closed.add(`198.18.0.${h} 81`);
  }
  const diff = (a: Set<string>, b: Set<string>) => [...a].filter((x) => !b.has(x)).slice(0, 5);
  for (const t of ['open', 'closed', 'unreachable']) {
    assert.equal(diff(got[t], want[t]), [], `reported ${t} wrongly`);
    assert.equal(diff(want[t], got[t]), [], `${t} missed`);
  }
  assert.equal([got.open.size, got.closed.size, got.unreachable.size], [2048, 1008, 16]);
});

test('a source range of 8 addresses per family: each SYN from its target\'s keyed address, every reply accepted', async () => {
  if (!isRoot || !nativeBuilt) { console.log('  (skipped: needs root and the native module)'); return; }
  const tb = testbedUp(name2, { ports: [80] });
  const key = path.join(dir, 'key'), pcap = path.join(dir, 'syns.pcap');
  fs.writeFileSync(key, '8f1e2d3c4b5a69788796a5b4c3d2e1f0\n', { mode: 0o600 });
  const k = Buffer.from('8f1e2d3c4b5a69788796a5b4c3d2e1f0', 'hex');
  // What reaches the target: every SYN, with the address it came from.
  const dump = spawn('ip', ['netns', 'exec', tb.targetNs, 'tcpdump', '-i', tb.targetIf, '-U', '-w', pcap,
    'tcp[13] == 2 or (ip6 and ip6[6] == 6 and ip6[53] == 2)'], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((res, rej) => { dump.stderr!.on('data', (d) => { if (/listening on/.test(String(d))) res(); }); dump.once('exit', () => rej(new Error('tcpdump exited'))); });
  // --banners: the ACK+probe requests go through the replies channel from the same addresses.
  const r = inNs(tb.scanNs, `$TRAWL scan 198.18.2.0/26 2001:db8:1::/122 -p 80,81 -i ${tb.scanIf} --banners --key-file ${key} ` +
    '--source-ip 198.19.0.64/29 --source-ip 2001:db8:ff::40-2001:db8:ff::47 --rate 2000 --cooldown 2 --seed 4 -q');
  await new Promise((res) => setTimeout(res, 300));
  dump.kill('SIGINT');
  await new Promise((res) => dump.once('exit', res));
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  const recs = lines(r.stdout).filter((x) => x.type !== 'scan');
  assert.is(recs.filter((x) => x.type === 'open' && x.port === 80).length, 128, 'every open port, both families');
  assert.is(recs.filter((x) => x.type === 'closed' && x.port === 81).length, 128, 'every closed port');
  const used = new Set<string>();
  const syns = readPcapFile(pcap);
  assert.is(syns.length, 256);
  for (const f of syns) {
    if (f.data.readUInt16BE(12) === 0x86dd) {
      const p = checkSeg6(f.data);
      assert.is(p.src, formatIPv6(ipv6FromBytes(a6('2001:db8:ff::40'), 0) + BigInt(sourceIndex(k, a6(p.dst), p.dport, 8))), p.dst);
      used.add(p.src);
    } else {
      const src = f.data.readUInt32BE(26), dst = f.data.readUInt32BE(30), dport = f.data.readUInt16BE(36);
      assert.is(src, (parseIPv4('198.19.0.64') as number) + sourceIndex(k, dst, dport, 8), formatIPv4(dst));
      used.add(formatIPv4(src));
    }
  }
  assert.is(used.size, 16, 'all 8 addresses of each family in use');
  // The target reached each of them through catch's ARP and NDP answers for the whole range.
  const neigh = inNs(tb.targetNs, `ip neigh show dev ${tb.targetIf}; ip -6 neigh show dev ${tb.targetIf}`).stdout;
  for (const a of used) assert.match(neigh, new RegExp(`^${a.replace(/\./g, '\\.')} lladdr ${tb.scanMac}`, 'm'), a);
});

test.run();
