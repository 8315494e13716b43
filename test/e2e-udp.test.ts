// UDP scans of real Debian daemons in a namespace testbed: bind9 (named), ntpsec (ntpd), net-snmp
// (snmpd) and memcached with UDP on, through blast | catch | banners and through trawl scan -p U:
// --banners, both families: each service found open from its own datagram's answer and
// identified with the version it reports itself (named's version.bind is `named -v`'s, snmpd's
// sysDescr its uname, memcached's `memcached -V`), and a closed UDP port reported closed from the
// target kernel's ICMP (ICMPv6) port unreachable. The daemons are bound to real addresses on the
// target's lo (servers.sh UDP_ADDR): AnyIP addresses would have them answer from another address.
// An nft reject (ICMP admin prohibited) makes an unreachable record.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { isRoot, lines, ROOT } from './helpers';
import { testbedUp, testbedDown, inNs, nftIn, testbedName, Testbed } from './testbed';

const name = testbedName('eudp');
const SERVERS_SH = path.join(ROOT, 'test', 'servers.sh');
const nativeBuilt = fs.existsSync(path.join(ROOT, 'native', 'build', 'Release', 'trawl_native.node'));
const ADDR = '198.18.253.1', ADDR6 = '2001:db8:1::fd01';
const OPEN = [53, 123, 161, 11211], CLOSED = 9;

let tb: Testbed | undefined;
let dir = '';
let setupError = '';
const v: Record<string, string> = {};

test.before(() => {
  if (!isRoot || !nativeBuilt) return;
  try {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-e2e-udp-'));
    fs.chmodSync(dir, 0o755);
    tb = testbedUp(name);
    const r = spawnSync('bash', [SERVERS_SH, 'up', tb.targetNs, path.join(dir, 'srv'), 'named', 'ntpd', 'snmpd', 'memcached_udp'],
      { encoding: 'utf8', env: { ...process.env, UDP_ADDR: ADDR, UDP_ADDR6: ADDR6 } });
    if (r.status !== 0) throw new Error(`servers.sh up failed: ${r.stderr}`);
    for (const l of r.stdout.split('\n')) { const m = /^(\w+)=(.*)$/.exec(l); if (m) v[m[1]] = m[2]; }
  } catch (e) { setupError = (e as Error).message; }
});

test.after(() => {
  if (tb) spawnSync('bash', [SERVERS_SH, 'down', tb.targetNs, path.join(dir, 'srv')]);
  testbedDown(name);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const skip = () => { console.log(`  (skipped: ${isRoot ? 'native module not built' : 'needs root'})`); };

/** What each service must show, from what the daemon says of itself. */
function check(records: any[], ips: string[]) {
  for (const ip of ips) {
    const at = (type: string, port: number) => records.filter((r) => r.type === type && r.ip === ip && r.port === port);
    for (const port of OPEN) {
      const where = `${ip}:${port}/udp`;
      const open = at('open', port);
      assert.is(open.length, 1, `one open record for ${where}: ${JSON.stringify(records.filter((r) => r.ip === ip))}`);
      assert.is(open[0].proto, 'udp');
      const b = at('banner', port);
      assert.is(b.length, 1, `one banner for ${where}`);
      const x = b[0];
      assert.is(x.proto, 'udp');
      switch (port) {
        case 53:
          assert.is(x.probe, 'dns-version');
          assert.is(x.service, 'dns', where);
          assert.is(x.dns_version, v.NAMED_VERSION, `${where}: version.bind is named -v's`);
          break;
        case 123:
          assert.is(x.probe, 'ntp');
          assert.is(x.service, 'ntp', where);
          assert.is(x.ntp_version, 4); assert.is(x.ntp_mode, 'server');
          break;
        case 161:
          assert.is(x.probe, 'snmp-v1');
          assert.is(x.service, 'snmp', where);
          assert.ok(String(x.snmp_sys_descr).startsWith(v.SNMPD_UNAME), `${where}: sysDescr ${x.snmp_sys_descr} is the uname ${v.SNMPD_UNAME}`);
          break;
        case 11211:
          assert.is(x.probe, 'memcached');
          assert.is(x.service, 'memcached', where);
          assert.is(x.memcached_version, v.MEMCACHED_VERSION);
          break;
      }
    }
    const closed = at('closed', CLOSED);
    assert.is(closed.length, 1, `${ip}:${CLOSED}/udp closed by the kernel's port unreachable`);
    assert.is(closed[0].proto, 'udp');
  }
  assert.is(records.filter((r) => r.type === 'banner').length, ips.length * OPEN.length, 'no banner for anything else');
  assert.is(records.filter((r) => r.type === 'open' && r.validated === false).length, 0);
}

test('blast | catch | banners: UDP services of both families open with their versions, a closed port closed', () => {
  assert.is(setupError, '');
  if (!tb) return skip();
  const key = path.join(dir, 'p.key'), out = path.join(dir, 'p.ndjson');
  const targets = [ADDR, ADDR6].flatMap((ip) => [...OPEN, CLOSED].map((port) => JSON.stringify({ type: 'target', ip, port, proto: 'udp' }))).join('\n') + '\n';
  fs.writeFileSync(path.join(dir, 'p.targets'), targets);
  const r = inNs(tb.scanNs, `set -e
    $TRAWL key --force ${key}
    ( $TRAWL catch -i ${tb.scanIf} --key-file ${key} --idle 3 2> ${dir}/p.catch.err | $TRAWL banners -q > ${out} ) &
    catch_pid=$!
    sleep 1
    $TRAWL blast --key-file ${key} --rate 1000 --attempts 2 < ${dir}/p.targets
    wait $catch_pid`);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /sent 10 UDP datagrams \(10 repeats/);
  const err = fs.readFileSync(`${dir}/p.catch.err`, 'utf8');
  // Every answer to the repeat is a duplicate, none is written twice; nothing failed a check.
  assert.match(err, /udp 8 open, 2 closed, 0 unreachable/, err);
  assert.not.match(err, /bad_cookie|wrong_port/, err);
  check(lines(fs.readFileSync(out, 'utf8')), [ADDR, ADDR6]);
});

test('trawl scan -p U:... --banners: the same through scan, --probe U:161:snmp-v2c', () => {
  assert.is(setupError, '');
  if (!tb) return skip();
  const r = inNs(tb.scanNs, `$TRAWL scan ${ADDR} [${ADDR6}] -p U:53,U:123,U:161,U:11211,U:${CLOSED} --banners --rate 1000 --cooldown 2 ` +
    '--probe U:161:snmp-v2c --snmp-community public -o ndjson -q');
  assert.is(r.code, 0, r.stderr);
  const recs = lines(r.stdout).filter((x) => x.type !== 'scan');
  for (const b of recs.filter((x) => x.type === 'banner' && x.port === 161)) {
    assert.is(b.probe, 'snmp-v2c');
    b.probe = 'snmp-v1';   // check() expects the default payload's name
  }
  check(recs, [ADDR, ADDR6]);
});

test('an ICMP error other than port unreachable (nft reject: admin prohibited) is an unreachable record, both families', () => {
  assert.is(setupError, '');
  if (!tb) return skip();
  nftIn(tb.targetNs, `table inet eudp { chain in { type filter hook input priority 0; policy accept;
    ip daddr 198.18.254.0/24 udp dport 53 reject with icmp type admin-prohibited
    ip6 daddr 2001:db8:1::fe00/120 udp dport 53 reject with icmpv6 type admin-prohibited
  }
}`);
  const key = path.join(dir, 'u.key');
  const targets = ['198.18.254.1', '2001:db8:1::fe01'].map((ip) => JSON.stringify({ type: 'target', ip, port: 53, proto: 'udp' })).join('\n') + '\n';
  fs.writeFileSync(path.join(dir, 'u.targets'), targets);
  const r = inNs(tb.scanNs, `set -e
    $TRAWL key --force ${key}
    ( $TRAWL catch -i ${tb.scanIf} --key-file ${key} --idle 2 -q > ${dir}/u.ndjson ) &
    catch_pid=$!
    sleep 1
    $TRAWL blast --key-file ${key} --rate 100 -q < ${dir}/u.targets
    wait $catch_pid`);
  spawnSync('ip', ['netns', 'exec', tb.targetNs, 'nft', 'delete', 'table', 'inet', 'eudp']);
  assert.is(r.code, 0, r.stderr);
  const recs = lines(fs.readFileSync(path.join(dir, 'u.ndjson'), 'utf8'));
  const u4 = recs.find((x) => x.ip === '198.18.254.1'), u6 = recs.find((x) => x.ip === '2001:db8:1::fe01');
  assert.ok(u4 && u6, JSON.stringify(recs));
  assert.equal([u4.type, u4.proto, u4.port, u4.icmp_type, u4.icmp_code], ['unreachable', 'udp', 53, 3, 13]);
  assert.equal([u6.type, u6.proto, u6.port, u6.icmp_type, u6.icmp_code], ['unreachable', 'udp', 53, 1, 1]);
  assert.is(recs.length, 2);
});

test.run();
