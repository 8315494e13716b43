// blast --pcap on a LAN, with no packet sent: in a namespace of its own (a veth pair, removed
// afterwards) whose kernel neighbour table knows some on-link hosts, each on-link target's SYN
// carries its host's MAC, off-link targets the router's, and the on-link addresses nobody knows
// are asked (TRIES ARP requests / Neighbor Solicitations in the file) and come out on stdout as
// unreachable records.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { isRoot, lines } from './helpers';
import { inNs } from './testbed';
import { ipToU32, readPcapFile } from './packets';
import { a6 } from './packets6';
import { TRIES } from '../shared/blast/lan';

const NS = `lanp${process.pid}`.slice(0, 12);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-lan-pcap-'));
const ip = (args: string) => {
  const r = spawnSync('ip', args.split(' '), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args}: ${r.stderr}`);
};
test.after(() => { spawnSync('ip', ['netns', 'del', NS]); fs.rmSync(dir, { recursive: true, force: true }); });

const OUR = '02:fa:00:00:00:01', ROUTER = '02:fa:00:00:00:fe';
const KNOWN: Record<string, string> = { '10.250.0.9': '02:fa:00:00:01:01', 'fd00:250::9': '02:fa:00:00:01:03' };
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').replace(/(..)(?!$)/g, '$1:');

test('blast --pcap: kernel neighbours get their MAC, off-link targets the router\'s, unknown on-link ones are asked and reported', () => {
  if (!isRoot) { console.log('  (skipped: needs root)'); return; }
  ip(`netns add ${NS}`);
  ip(`-n ${NS} link add p0 address ${OUR} type veth peer name p1`);
  ip(`-n ${NS} link set p0 up`);
  ip(`-n ${NS} link set p1 up`);
  ip(`-n ${NS} addr add 10.250.0.1/24 dev p0`);
  ip(`-n ${NS} -6 addr add fd00:250::1/64 dev p0 nodad`);
  ip(`-n ${NS} route add default via 10.250.0.254`);
  ip(`-n ${NS} -6 route add default via fd00:250::fe`);
  ip(`-n ${NS} neigh add 10.250.0.254 lladdr ${ROUTER} dev p0 nud permanent`);
  ip(`-n ${NS} -6 neigh add fd00:250::fe lladdr ${ROUTER} dev p0 nud permanent`);
  for (const [a, m] of Object.entries(KNOWN)) ip(`-n ${NS} ${a.includes(':') ? '-6 ' : ''}neigh add ${a} lladdr ${m} dev p0 nud permanent`);
  const key = path.join(dir, 'key');
  fs.writeFileSync(key, '8f1e2d3c4b5a69788796a5b4c3d2e1f0\n', { mode: 0o600 });
  const targets = ['10.250.0.9', '198.18.0.1', '10.250.0.13', 'fd00:250::9', 'fd00:250::d', '2001:db8::1', '10.250.0.9'];
  const input = targets.map((t, i) => JSON.stringify({ type: 'target', ip: t, port: i === 6 ? 443 : 80, i }) + '\n').join('');
  fs.writeFileSync(path.join(dir, 't.ndjson'), input);
  const pcap = path.join(dir, 'o.pcap');
  const r = inNs(NS, `$TRAWL blast --pcap ${pcap} -i p0 --key-file ${key} --arp-timeout 0.3 --rate 1000 < ${dir}/t.ndjson`);
  assert.is(r.code, 0, r.stderr);
  const recs = lines(r.stdout).map(({ time_us, ...rest }) => { assert.type(time_us, 'number'); return rest; });
  assert.equal(recs.sort((a, b) => (a.ip < b.ip ? -1 : 1)), [
    { type: 'unreachable', ip: '10.250.0.13', port: 80, reason: 'arp_timeout' },
    { type: 'unreachable', ip: 'fd00:250::d', port: 80, reason: 'ndp_timeout' },
  ]);
  assert.match(r.stderr, /sent 5 SYNs .*, 5 targets on the link: 4 MACs from the kernel, 2 addresses asked, 0 answered, 2 silent, 2 targets unreachable\)/);
  const frames = readPcapFile(pcap).map((f) => Buffer.from(f.data));
  const syns = frames.filter((f) => f.readUInt16BE(12) !== 0x0806 && !(f.readUInt16BE(12) === 0x86dd && f[20] === 58));
  assert.is(syns.length, 5);
  for (const f of syns) {
    const v6 = f.readUInt16BE(12) === 0x86dd;
    const to = v6 ? Object.keys(KNOWN).concat('2001:db8::1').find((t) => t.includes(':') && f.subarray(38, 54).equals(Buffer.from(a6(t))))
      : ['10.250.0.9', '198.18.0.1'].find((t) => f.readUInt32BE(30) === ipToU32(t));
    assert.ok(to, 'a SYN to a target that was not to be sent');
    assert.is(hex(f.subarray(0, 6)), KNOWN[to!] ?? ROUTER, `SYN to ${to}`);
    assert.is(hex(f.subarray(6, 12)), OUR);
  }
  const arps = frames.filter((f) => f.readUInt16BE(12) === 0x0806);
  const sols = frames.filter((f) => f.readUInt16BE(12) === 0x86dd && f[20] === 58);
  assert.is(arps.length, TRIES);
  for (const f of arps) assert.is(f.readUInt32BE(38), ipToU32('10.250.0.13'));
  assert.is(sols.length, TRIES);
  for (const f of sols) { assert.is(f[54], 135); assert.ok(f.subarray(62, 78).equals(Buffer.from(a6('fd00:250::d')))); }
});

test.run();
