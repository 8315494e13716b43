// Garbage arguments to every native entry point: each call returns or throws an Error whose
// message names the function, and the process never crashes (run in a child to see a crash).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';

const NATIVE_JS = path.join(__dirname, '..', 'native', 'index.js');

test('every function and method survives garbage arguments', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-args-'));
  const script = `
    const n = require(${JSON.stringify(NATIVE_JS)}).loadNative();
    const fs = require('fs');
    const junk = [undefined, null, 0, -1, 1.5, 1e12, NaN, Infinity, 'x', '', {}, [], () => 1, 10n,
      new Uint8Array(0), new Uint8Array(40), new Uint16Array(3), new Uint32Array(3), new Int8Array(3),
      new Float64Array(3), Buffer.alloc(16), new ArrayBuffer(8), new DataView(new ArrayBuffer(8))];
    const pick = (i) => junk[i % junk.length];
    let calls = 0, threw = 0, bad = [];
    function call(name, f) {
      calls++;
      try { f(); } catch (e) {
        threw++;
        if (!(e instanceof Error) || !e.message.includes(name)) bad.push(name + ': ' + (e && e.message));
      }
    }
    const key = new Uint8Array(16);
    const s = new n.Sender({ pcapFile: ${JSON.stringify(dir)} + '/x.pcap', srcMac: '02:00:00:00:00:01',
      dstMac: '02:00:00:00:00:02', srcIp: '198.18.0.1', ttl: 64, synOptions: 'linux', key, sportBase: 32768, sportCount: 100 });
    const file = ${JSON.stringify(dir)} + '/x.pcap';
    s.sendSyns(Uint32Array.of(1, 2, 3), Uint16Array.of(1, 2, 3), Uint8Array.of(0, 1, 2), 3);
    s.close();
    const s2 = new n.Sender({ pcapFile: ${JSON.stringify(dir)} + '/y.pcap', srcMac: '02:00:00:00:00:01',
      dstMac: '02:00:00:00:00:02', srcIp: '198.18.0.1', ttl: 64, synOptions: 'linux', key, sportBase: 32768, sportCount: 100 });
    const c = new n.Capture({ file });
    for (let i = 0; i < 1500; i++) {
      const a = pick(i), b = pick(i * 7 + 1), d = pick(i * 13 + 2), e = pick(i * 17 + 3);
      call('siphash24', () => n.siphash24(a, b));
      call('cookies', () => n.cookies(a, b, d, e, a, b, d, e, a, b));
      call('synAcks', () => n.synAcks(a, b, d, e, a, b, d, e, a, b, d, e, a, b, d));
      call('synAcks', () => n.synAcks(key, 32768, 100, new Uint32Array(0), new Uint8Array(0), -1, 1, new Uint8Array(64), Uint32Array.of(60, 40, 40),
        new Float64Array(1), 1, Array.from({ length: 23 }, (_, k) => pick(i + k)), new Uint8Array(512), new Uint32Array(2), new Uint8Array(1)));
      call('canRaw', () => n.canRaw(a));
      call('arpResolve', () => { const p = n.arpResolve(a, b, d, e); if (p) p.catch(() => {}); });
      call('Sender', () => new n.Sender(a));
      call('Sender', () => new n.Sender({ pcapFile: ${JSON.stringify(dir)} + '/z.pcap', srcMac: a, dstMac: b, srcIp: d, ttl: e, synOptions: a, key: b, sportBase: d, sportCount: e }));
      call('sendSyns', () => s2.sendSyns(a, b, d, e));
      call('sendReplies', () => s2.sendReplies(a, b));
      call('setProbe', () => s2.setProbe(a, b, d));
      call('Capture', () => new n.Capture(a));
      call('Capture', () => new n.Capture({ file: a, filter: b, snaplen: d, bufferBytes: e }));
      call('read', () => c.read(a, b, d, e));
      call('inject', () => c.inject(a));
      call('onReadable', () => c.onReadable(a));
    }
    s2.close(); c.close();
    console.log(JSON.stringify({ calls, threw, bad: bad.slice(0, 5), nbad: bad.length }));`;
  const env = { ...process.env }; delete env.NO_COLOR; delete env.FORCE_COLOR;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env, timeout: 120000 });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.is(r.signal, null, `crashed: ${r.stderr}`);
  assert.is(r.stderr, '');
  assert.is(r.status, 0);
  const out = JSON.parse(r.stdout);
  assert.is(out.calls, 1500 * 16);
  assert.ok(out.threw > out.calls / 2, 'most garbage is refused');
  assert.equal(out.bad, [], 'every error names its function');
});

test.run();
