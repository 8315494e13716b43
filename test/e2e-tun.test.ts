// A scan over a layer-3 link: two namespaces joined by a tun pair and a relay process (this
// kernel has tun but no WireGuard, ipip or GRE), both families, no Ethernet header anywhere.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, spawnSync, ChildProcess } from 'child_process';
import { isRoot, lines, ROOT } from './helpers';
import { inNs } from './testbed';

const nativeBuilt = fs.existsSync(path.join(ROOT, 'native', 'build', 'Release', 'trawl_native.node'));
const tag = `tun${process.pid}`.slice(0, 11);
const S = `${tag}-s`, T = `${tag}-t`, SIF = `${tag}s`, TIF = `${tag}t`;

// Copies packets between the tun device of the scanner namespace and that of the target
// namespace: started in the scanner's, it attaches there, enters the target's (setns through
// libc: Python 3.11 has no os.setns) and attaches there too. IFF_NO_PI: bare IP packets.
const RELAY = `
import ctypes, fcntl, os, select, struct, sys
TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454ca, 0x0001, 0x1000
def attach(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd
a = attach(sys.argv[1])
ns = os.open("/run/netns/" + sys.argv[3], os.O_RDONLY)
if ctypes.CDLL(None, use_errno=True).setns(ns, 0x40000000) != 0: sys.exit("setns failed")
b = attach(sys.argv[2])
print("ready", flush=True)
peer = {a: b, b: a}
while True:
    for fd in select.select([a, b], [], [])[0]:
        os.write(peer[fd], os.read(fd, 65535))
`;

const LISTENER = `
import selectors, socket, sys
sel = selectors.DefaultSelector()
for p in (22, 80):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", p)); s.listen(4096); s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
print("ready", flush=True)
while True:
    for key, _ in sel.select():
        try: key.fileobj.accept()[0].close()
        except OSError: pass
`;

const procs: ChildProcess[] = [];
function down() {
  for (const p of procs) p.kill('SIGKILL');
  for (const ns of [S, T]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
}
test.after(down);

function sh(cmds: string[]) {
  for (const c of cmds) {
    const r = spawnSync('bash', ['-c', c], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${c}: ${r.stderr}`);
  }
}

async function started(cmd: string[]): Promise<void> {
  const p = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  procs.push(p);
  await new Promise<void>((resolve, reject) => {
    p.stdout!.once('data', () => resolve());
    p.once('exit', (c) => reject(new Error(`${cmd.join(' ')} exited ${c}`)));
  });
}

test('SYN scan over a tun link: both families, bare IP packets, open/closed as on Ethernet; --router-mac refused', async () => {
  if (!isRoot || !nativeBuilt || !fs.existsSync('/dev/net/tun')) { console.log('  (skipped: needs root, the native module and /dev/net/tun)'); return; }
  down();
  sh([
    `ip netns add ${S}`, `ip netns add ${T}`,
    `ip -n ${S} tuntap add dev ${SIF} mode tun`, `ip -n ${T} tuntap add dev ${TIF} mode tun`,
    `ip -n ${S} link set lo up`, `ip -n ${T} link set lo up`,
    `ip -n ${S} addr add 198.19.0.1/24 dev ${SIF}`, `ip -n ${T} addr add 198.19.0.2/24 dev ${TIF}`,
    `ip -n ${S} -6 addr add 2001:db8:ff::1/64 dev ${SIF} nodad`, `ip -n ${T} -6 addr add 2001:db8:ff::2/64 dev ${TIF} nodad`,
    `ip -n ${S} link set ${SIF} up`, `ip -n ${T} link set ${TIF} up`,
    `ip -n ${T} route add local 198.18.0.0/16 dev lo`, `ip -n ${T} -6 route add local 2001:db8:1::/112 dev lo`,
    `ip -n ${S} route add 198.18.0.0/15 dev ${SIF}`, `ip -n ${S} -6 route add 2001:db8::/32 dev ${SIF}`,
  ]);
  await started(['ip', 'netns', 'exec', S, 'python3', '-c', RELAY, SIF, TIF, T]);
  await started(['ip', 'netns', 'exec', T, 'python3', '-c', LISTENER]);
  const type = inNs(S, `cat /sys/class/net/${SIF}/type`).stdout.trim();
  assert.is(type, '65534', 'ARPHRD_NONE: a link without link-layer header');

  const r = inNs(S, `$TRAWL scan 198.18.0.0/26 2001:db8:1::/122 -p 22,80,81 -i ${SIF} --rate 2000 --cooldown 1 --seed 3 -q`);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  const recs = lines(r.stdout).filter((x) => x.type !== 'scan');
  const open = new Set(recs.filter((x) => x.type === 'open').map((x) => `${x.ip} ${x.port}`));
  const closed = new Set(recs.filter((x) => x.type === 'closed').map((x) => `${x.ip} ${x.port}`));
  const want = (port: number) => new Set([
    ...Array.from({ length: 64 }, (_, h) => `198.18.0.${h} ${port}`),
    ...Array.from({ length: 64 }, (_, h) => `2001:db8:1::${h ? h.toString(16) : ''} ${port}`),
  ]);
  assert.equal([...open].sort(), [...want(22), ...want(80)].sort());
  assert.equal([...closed].sort(), [...want(81)].sort());
  assert.is(recs.length, 128 * 3, 'nothing else, no duplicate');

  const key = path.join(os.tmpdir(), `${tag}.key`);
  fs.writeFileSync(key, '000102030405060708090a0b0c0d0e0f\n', { mode: 0o600 });
  const u = inNs(S, `echo '{"type":"target","ip":"198.18.0.1","port":80}' | $TRAWL blast -i ${SIF} --key-file ${key} --router-mac 02:00:00:00:00:01 -q`);
  const v = inNs(S, `echo '{"type":"target","ip":"198.18.0.1","port":80}' | $TRAWL blast -i ${SIF} --key-file ${key} --router-ip 198.19.0.2 -q`);
  fs.rmSync(key);
  assert.is(u.code, 2);
  assert.match(u.stderr, /option --router-mac: \S+ is a layer-3 link \(tun, WireGuard, PPP\): its packets carry no MAC addresses/);
  assert.is(v.code, 2);
  assert.match(v.stderr, /option --router-ip: \S+ is a layer-3 link \(tun, WireGuard, PPP\): its packets carry no MAC addresses/);
  // --iflist names the link type: layer-3, no MAC.
  const l = inNs(S, '$TRAWL blast --iflist');
  assert.is(l.code, 0);
  assert.match(l.stdout, new RegExp(`^${SIF}\\s+layer-3\\s+up\\s+\\d+\\s+-\\s`, 'm'));
});

test.run();
