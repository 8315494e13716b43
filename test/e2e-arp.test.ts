// An ARP scan end to end (test/lanbed.sh): four hosts of different MACs on one bridge, host 2's
// MAC under VMware's OUI (00:50:56, in Debian's ieee-data list). trawl scan --arp of an on-link
// /28 and /124: every host found by ARP and by NDP with its own MAC, the vendor where the list
// has the OUI, the empty addresses absent; then nmap's XML (the MAC address line with the
// vendor), grepable and list output of the same scan.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { isRoot, lines, ROOT } from './helpers';
import { inNs } from './testbed';
import { OUI_FILE } from '../shared/oui';

const NAME = `arp${process.pid}`.slice(0, 10);
const BED = path.join(ROOT, 'test', 'lanbed.sh');
test.after(() => { spawnSync('bash', [BED, 'down', NAME], { stdio: 'ignore' }); });

const HOSTS = [1, 2, 3, 4];
const MAC: Record<number, string> = { 1: '02:fa:00:00:01:01', 2: '00:50:56:fa:00:02', 3: '02:fa:00:00:01:03', 4: '02:fa:00:00:01:04' };
const v4 = (k: number) => `10.250.0.${8 + k}`;
const v6 = (k: number) => `fd00:250::${(8 + k).toString(16)}`;
const hasOui = fs.existsSync(OUI_FILE);

test('scan --arp of an on-link /28 and /124: each host alive by ARP and NDP with its own MAC, VMware\'s vendor, nothing for empty addresses', () => {
  if (!isRoot) { console.log('  (skipped: needs root)'); return; }
  const up = spawnSync('bash', [BED, 'up', NAME, '--hosts', '4', '--mac', `2=${MAC[2]}`], { encoding: 'utf8' });
  assert.is(up.status, 0, up.stderr);
  const r = inNs(`${NAME}-s`, '$TRAWL scan 10.250.0.0/28 fd00:250::/124 --arp -i lan0 --arp-timeout 0.5 --rate 2000 --cooldown 0.5 --seed 3', { timeout: 60000 });
  assert.is(r.code, 0, r.stderr);
  const recs = lines(r.stdout);
  const head = recs.shift();
  assert.equal([head.type, head.ports, head.nports], ['scan', 'arp', 1]);
  const want = HOSTS.flatMap((k) => [
    { type: 'alive', ip: v4(k), proto: 'arp', mac: MAC[k], ...(k === 2 && hasOui ? { vendor: 'VMware, Inc.' } : {}) },
    { type: 'alive', ip: v6(k), proto: 'ndp', mac: MAC[k], ...(k === 2 && hasOui ? { vendor: 'VMware, Inc.' } : {}) },
  ]);
  const got = recs.map(({ time_us, rtt_us, ...rest }) => {
    assert.type(time_us, 'number');
    if (rtt_us !== undefined) assert.ok(Number.isInteger(rtt_us) && rtt_us >= 0 && rtt_us < 500000, `rtt_us ${rtt_us}`);
    return rest;
  });
  const key = (x: any) => `${x.proto} ${x.ip}`;
  assert.equal(got.sort((a, b) => (key(a) < key(b) ? -1 : 1)), want.sort((a, b) => (key(a) < key(b) ? -1 : 1)),
    'every host once per family with its MAC; no record for the 12 + 12 empty addresses (ours included)');
  // 32 addresses asked; the 24 silent ones TRIES times.
  assert.match(r.stderr, /trawl blast: ARP scan: 32 addresses asked \(\d+ ARP\/NDP requests in all\), 8 alive in /);
});

test('the same scan through fmt: -oX has the MAC address line with its vendor, -oG and list the hosts up', () => {
  if (!isRoot) { console.log('  (skipped: needs root)'); return; }
  const scan = (o: string) => inNs(`${NAME}-s`, `$TRAWL scan 10.250.0.8/29 --arp -i lan0 --arp-timeout 0.3 --rate 2000 --cooldown 0.3 -q ${o}`, { timeout: 60000 });
  const x = scan('-oX -');
  assert.is(x.code, 0, x.stderr);
  assert.match(x.stdout, '<hosts up="4" down="0" total="4"/>');
  for (const k of HOSTS) {
    const vendor = k === 2 && hasOui ? ' vendor="VMware, Inc."' : '';
    assert.match(x.stdout, `<status state="up" reason="arp-response" reason_ttl="0"/>\n<address addr="${v4(k)}" addrtype="ipv4"/>\n` +
      `<address addr="${MAC[k].toUpperCase()}" addrtype="mac"${vendor}/>`);
  }
  const g = scan('-oG -');
  assert.is(g.code, 0, g.stderr);
  const vendorText = (k: number) => (k === 2 && hasOui ? ' (VMware, Inc.)' : '');
  for (const k of HOSTS) assert.ok(g.stdout.includes(`\nHost: ${v4(k)} ()\tStatus: Up\tMAC: ${MAC[k].toUpperCase()}${vendorText(k)}\n`), g.stdout);
  const l = scan('-oL -');
  assert.is(l.code, 0, l.stderr);
  for (const k of HOSTS) {
    assert.match(l.stdout, new RegExp(`^open arp 0 ${v4(k).replace(/\./g, '\\.')} \\d+$`, 'm'));
    assert.match(l.stdout, new RegExp(`^banner arp 0 ${v4(k).replace(/\./g, '\\.')} \\d+ mac ${MAC[k]}${vendorText(k).replace(/[().]/g, '\\$&')}$`, 'm'));
  }
});

test('--ping --arp on the link: each host alive by echo (sent to its own MAC) and by ARP/NDP, the empty addresses unreachable for the echo only', () => {
  if (!isRoot) { console.log('  (skipped: needs root)'); return; }
  const r = inNs(`${NAME}-s`, '$TRAWL scan 10.250.0.8/29 fd00:250::8/125 --ping --arp -i lan0 --arp-timeout 0.3 --rate 2000 --cooldown 0.5 -q', { timeout: 60000 });
  assert.is(r.code, 0, r.stderr);
  const recs = lines(r.stdout).slice(1);
  const of = (type: string, proto: string) => recs.filter((x) => x.type === type && x.proto === proto).map((x) => x.ip).sort();
  const hosts4 = HOSTS.map(v4), hosts6 = HOSTS.map(v6);
  assert.equal(of('alive', 'icmp'), [...hosts4, ...hosts6].sort());
  assert.equal(of('alive', 'arp'), hosts4.sort());
  assert.equal(of('alive', 'ndp'), hosts6.sort());
  const empty = ['10.250.0.8', '10.250.0.13', '10.250.0.14', '10.250.0.15', 'fd00:250::8', 'fd00:250::d', 'fd00:250::e', 'fd00:250::f'];
  assert.equal(of('unreachable', 'icmp'), empty.sort());
  assert.is(recs.length, 8 + 4 + 4 + 8);
});

test.run();
