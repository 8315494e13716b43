// A LAN scan end to end (test/lanbed.sh): four hosts of different MACs and a scanner on one
// bridge, in namespaces of this test alone. trawl scan --banners of an on-link /29 and /125
// (IPv4 and IPv6) plus an off-link /30 behind host 4 (the router): every host's open and closed
// port is found and its greeting read (so the SYN and the replies blast sent for catch, ACK and
// RSTs, reached each host's own MAC), the addresses where no host is come out as unreachable
// with reason arp_timeout / ndp_timeout, and the off-link targets answer through the router.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { isRoot, lines, ROOT } from './helpers';
import { inNs } from './testbed';

const NAME = `lan${process.pid}`.slice(0, 10);
const BED = path.join(ROOT, 'test', 'lanbed.sh');
test.after(() => { spawnSync('bash', [BED, 'down', NAME], { stdio: 'ignore' }); });

const HOSTS = [1, 2, 3, 4];
const v4 = (k: number) => `10.250.0.${8 + k}`;
const v6 = (k: number) => `fd00:250::${(8 + k).toString(16)}`;

test('scan of an on-link /29 and /125 with four hosts and an off-link /30: every host found and greeted, the empty addresses unreachable', () => {
  if (!isRoot) { console.log('  (skipped: needs root)'); return; }
  const up = spawnSync('bash', [BED, 'up', NAME, '--hosts', '4', '--ports', '80', '--router', '4'], { encoding: 'utf8' });
  assert.is(up.status, 0, up.stderr);
  const ns = `${NAME}-s`;
  const r = inNs(ns, '$TRAWL scan 10.250.0.8/29 fd00:250::8/125 198.18.0.4/30 -p 80,81 -i lan0 --banners --arp-timeout 0.5 --rate 2000 --cooldown 2 -q',
    { timeout: 60000 });
  assert.is(r.code, 0, r.stderr);
  const recs = lines(r.stdout);
  const of = (type: string) => recs.filter((x) => x.type === type).map((x) => `${x.ip}:${x.port}`).sort();
  const on = HOSTS.flatMap((k) => [v4(k), v6(k)]);
  const routed = ['198.18.0.4', '198.18.0.5', '198.18.0.6', '198.18.0.7'];
  assert.equal(of('open'), [...on, ...routed].map((a) => `${a}:80`).sort(), 'open: port 80 of every host and every routed address');
  assert.equal(of('closed'), [...on, ...routed].map((a) => `${a}:81`).sort(), 'closed: port 81 of the same');
  // Each host's own greeting: the ACK that completed its handshake went to its MAC.
  for (const k of HOSTS) {
    for (const a of [v4(k), v6(k)]) {
      const b = recs.find((x) => x.type === 'banner' && x.ip === a && x.port === 80);
      assert.ok(b, `no banner from ${a}`);
      assert.is(Buffer.from(b.data, 'base64').toString(), `220 lan host ${k}\r\n`, a);
    }
  }
  const empty4 = [8, 13, 14, 15].map((h) => `10.250.0.${h}`), empty6 = ['8', 'd', 'e', 'f'].map((h) => `fd00:250::${h}`);
  const unreachable = recs.filter((x) => x.type === 'unreachable');
  assert.equal(unreachable.map((x) => `${x.ip}:${x.port}`).sort(), [...empty4, ...empty6].flatMap((a) => [`${a}:80`, `${a}:81`]).sort());
  for (const x of unreachable) {
    assert.is(x.reason, x.ip.includes(':') ? 'ndp_timeout' : 'arp_timeout');
    assert.equal(Object.keys(x), ['type', 'ip', 'port', 'reason', 'time_us']);
  }
});

test('the whole /24 through fmt: the four hosts up, the other 252 addresses (ours too) down, filtered with reason no-response', () => {
  if (!isRoot) { console.log('  (skipped: needs root)'); return; }
  const r = inNs(`${NAME}-s`, '$TRAWL scan 10.250.0.0/24 -p 80 --arp-timeout 0.3 --rate 2000 --cooldown 1 -q -oX -', { timeout: 60000 });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, '<hosts up="4" down="252" total="256"/>');
  for (const k of HOSTS) assert.match(r.stdout, new RegExp(`<address addr="${v4(k).replace(/\./g, '\\.')}"[^]*?<port protocol="tcp" portid="80"><state state="open"`));
  assert.match(r.stdout, /<address addr="10\.250\.0\.13"[^]*?<state state="filtered" reason="no-response"/);
});

test.run();
