// Interface facts: /proc parsers on fixed texts, the loopback interface, and (as root) a veth in
// a namespace pair where the router MAC comes from a real ARP exchange.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { interfaceInfo, parseRoutes, parseArp, defaultRoute, neighborMac } from '../shared/netinfo';
import { isRoot } from './helpers';

const ROUTE = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth1\t00000000\t0A00A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
`;

test('parseRoutes: the default route with the lowest metric, gateway decoded', () => {
  assert.equal(parseRoutes(ROUTE), { iface: 'eth0', gateway: '192.0.2.1' });
  assert.is(parseRoutes(ROUTE.split('\n').slice(0, 3).join('\n').replace('eth1', 'wg0'))?.iface, 'wg0');
  assert.equal(parseRoutes(ROUTE.split('\n').slice(0, 1).join('\n')), null, 'no default route');
  const direct = 'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n' +
    'tun0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n';
  assert.equal(parseRoutes(direct), { iface: 'tun0', gateway: null }, 'a device route has no gateway');
});

const ARP = `IP address       HW type     Flags       HW address            Mask     Device
192.0.2.1        0x1         0x2         02:FC:00:00:00:05     *        eth0
192.0.2.9        0x1         0x0         00:00:00:00:00:00     *        eth0
198.18.0.1       0x1         0x2         aa:bb:cc:dd:ee:ff     *        veth1
`;

test('parseArp: complete entries only, device filter, lower-case MAC', () => {
  assert.is(parseArp(ARP, '192.0.2.1'), '02:fc:00:00:00:05');
  assert.is(parseArp(ARP, '192.0.2.1', 'eth0'), '02:fc:00:00:00:05');
  assert.is(parseArp(ARP, '192.0.2.1', 'veth1'), null);
  assert.is(parseArp(ARP, '192.0.2.9'), null, 'incomplete entry');
  assert.is(parseArp(ARP, '10.0.0.1'), null);
  assert.is(parseArp('', '10.0.0.1'), null);
});

test('interfaceInfo: loopback facts, and a clear error for a missing interface', () => {
  const lo = interfaceInfo('lo');
  assert.is(lo.name, 'lo'); assert.is(lo.ipv4, '127.0.0.1'); assert.is(lo.prefix, 8);
  assert.is(lo.mac, '00:00:00:00:00:00'); assert.ok(lo.mtu >= 1500); assert.is(lo.up, true); assert.is(lo.index, 1);
  assert.throws(() => interfaceInfo('nosuch0'), /no such interface: nosuch0/);
  assert.throws(() => interfaceInfo('../lo'), /no such interface/);
  // The machine's own tables parse without throwing (contents vary).
  defaultRoute(); neighborMac('192.0.2.255');
});

const NS = `tn-nat-${process.pid}`;
const ip = (args: string) => spawnSync('bash', ['-c', `ip ${args}`], { encoding: 'utf8' });

test('as root: interfaceInfo and routerMac (ARP) inside a namespace pair', () => {
  if (!isRoot) { console.log('  (skipped: needs root)'); return; }
  const a = `${NS}-a`, b = `${NS}-b`;
  try {
    for (const cmd of [
      `netns add ${a}`, `netns add ${b}`,
      `link add nat${process.pid % 100000}a netns ${a} type veth peer name nat${process.pid % 100000}b netns ${b}`,
      `-n ${a} link set nat${process.pid % 100000}a name v0`, `-n ${b} link set nat${process.pid % 100000}b name v0`,
      `-n ${a} addr add 198.18.7.1/24 dev v0`, `-n ${b} addr add 198.18.7.254/24 dev v0`,
      `-n ${a} link set v0 mtu 1400`, `-n ${a} link set v0 up`, `-n ${b} link set v0 up`,
      `-n ${a} route add default via 198.18.7.254`,
    ]) {
      const r = ip(cmd);
      assert.is(r.status, 0, `ip ${cmd}: ${r.stderr}`);
    }
    const bmac = ip(`-n ${b} -j link show v0`);
    const want = JSON.parse(bmac.stdout)[0].address;
    const mod = path.join(__dirname, '..', 'shared', 'netinfo.js');
    const script = `const n = require(${JSON.stringify(mod)});
      (async () => {
        const info = n.interfaceInfo('v0'), route = n.defaultRoute();
        const before = n.neighborMac('198.18.7.254');
        const mac = await n.routerMac('v0', '198.18.7.254', undefined, 2000);
        const none = await n.routerMac('v0', '198.18.7.77', undefined, 300);
        console.log(JSON.stringify({ info, route, before, mac, none }));
      })().catch((e) => { console.error(e.message); process.exit(1); });`;
    const r = spawnSync('ip', ['netns', 'exec', a, process.execPath, '-e', script], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.is(out.info.ipv4, '198.18.7.1'); assert.is(out.info.prefix, 24); assert.is(out.info.mtu, 1400);
    assert.is(out.info.up, true); assert.match(out.info.mac, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    assert.equal(out.route, { iface: 'v0', gateway: '198.18.7.254' });
    assert.is(out.before, null, 'not in the ARP table before');
    assert.is(out.mac, want, 'resolved by a raw ARP request');
    assert.is(out.none, null, 'nobody answers for .77: null after the timeout');
  } finally {
    ip(`netns del ${a}`); ip(`netns del ${b}`);
  }
});

test.run();
