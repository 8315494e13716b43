// The probe catalog: fixed slots, exact payload bytes, the default port map, the plan and options.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PassThrough, Readable } from 'stream';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './helpers';
import { CommandInfo, HELP_OPTION, parseArgs } from '../shared/args';
import { runCommand } from '../shared/command';
import { MAX_PROBE_LEN } from '../shared/cookie';
import {
  PROBES, PROBE_OPTIONS, buildProbePlan, defaultProbeForPort, probeNameOfSlot, probeConfig,
  renderPayload, maxPayloadLength, buildPayload,
} from '../shared/probes';
import { httpRequestText } from '../shared/probes/http';
import { checkProbeSpec, probeNames } from '../shared/probes/options';
import { RDP_REQUEST } from '../shared/probes/rdp';
import { smbNegotiate, SMB_DIALECTS } from '../shared/probes/smb';
import { startupMessage } from '../shared/probes/postgres';

const info: CommandInfo = { name: 'probetest', summary: 's', synopsis: '', options: [...PROBE_OPTIONS, HELP_OPTION] };
const KEY = new Uint8Array(16).fill(5);   // the tls probe's ClientHello comes from the scan key
const cfg = (argv: string[] = []) => probeConfig(parseArgs(info, argv), KEY);
const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Runs a command whose body builds the plan, as blast will: stderr and exit code of a CLI. */
async function cli(argv: string[]) {
  const err = new PassThrough(); const chunks: Buffer[] = [];
  err.on('data', (c) => chunks.push(Buffer.from(c)));
  const code = await runCommand(info, argv, { stdin: Readable.from([]), stdout: new PassThrough(), stderr: err }, async (opts) => {
    buildProbePlan(opts, KEY); return 0;
  });
  return { code, stderr: Buffer.concat(chunks).toString() };
}

test('slots are unique, 0..14, names unique, null is slot 0', () => {
  const slots = PROBES.map((p) => p.slot), names = PROBES.map((p) => p.name);
  assert.equal(new Set(slots).size, slots.length);
  assert.equal(new Set(names).size, names.length);
  for (const s of slots) assert.ok(s >= 0 && s <= 14, `slot ${s}`);
  assert.is(probeNameOfSlot(0), 'null');
  assert.is(probeNameOfSlot(1), 'http');
  assert.is(probeNameOfSlot(2), 'tls');
  assert.is(probeNameOfSlot(15), 'user');
  assert.is(probeNameOfSlot(14), undefined);
  for (const p of PROBES) assert.ok(p.description.length > 10 && !p.description.includes('\n'), p.name);
});

test('every payload fits the 1400-byte budget, under any option', () => {
  for (const c of [cfg(), cfg(['--sni', 'a'.repeat(60) + '.example.com', '--redis-command', 'ping', '--memcached-command', 'stats'])]) {
    for (const p of PROBES) {
      const t = p.payload(c);
      assert.ok(maxPayloadLength(t) <= MAX_PROBE_LEN, `${p.name}: ${maxPayloadLength(t)}`);
      assert.ok(renderPayload(t, '255.255.255.255').length <= MAX_PROBE_LEN);
    }
  }
});

test('no port is claimed by two probes', () => {
  const seen = new Map<number, string>();
  for (const p of PROBES) for (const port of p.ports) {
    assert.not.ok(seen.has(port), `port ${port}: ${seen.get(port)} and ${p.name}`);
    seen.set(port, p.name);
  }
});

test('trawl-probes(7) documents every option, every probe with its slot, and its default ports', () => {
  const page = fs.readFileSync(path.join(ROOT, 'man', 'trawl-probes.7'), 'utf8').replace(/\\-/g, '-');
  for (const o of PROBE_OPTIONS) assert.ok(page.includes(`--${o.name}`), `--${o.name}`);
  for (const p of PROBES) {
    assert.ok(page.includes(`.BR ${p.name} " (slot ${p.slot})"`), `${p.name} (slot ${p.slot})`);
    if (p.ports.length === 0) continue;
    const at = page.indexOf(`.BR ${p.name} " (slot`);
    const entry = page.slice(at, page.indexOf('\n.TP', at + 1));
    const m = /Default ports?: ([\d, \n]+)\./.exec(entry);
    assert.ok(m, `${p.name}: default ports listed`);
    assert.equal(m![1].split(/[,\s]+/).filter(Boolean).map(Number), p.ports, `${p.name}: default ports`);
  }
  assert.ok(page.includes('.BR user " (slot 15)"'));
});

test('default probe per port', () => {
  const want: [number, string][] = [
    [80, 'http'], [8080, 'http'], [8000, 'http'], [8008, 'http'], [8888, 'http'],
    // https on 443 and 8443: the tls probe's hello, then the page (trawl-probes(7), https).
    [443, 'https'], [8443, 'https'], [4443, 'tls'], [9443, 'tls'], [993, 'tls'], [995, 'tls'], [465, 'tls'],
    [6379, 'redis'], [11211, 'memcached'], [3389, 'rdp'], [5432, 'postgres'], [445, 'smb'], [1883, 'mqtt'], [5672, 'amqp'],
    [21, 'null'], [22, 'null'], [25, 'null'], [110, 'null'], [143, 'null'], [3306, 'null'], [5900, 'null'], [23, 'null'], [1, 'null'], [65535, 'null'],
  ];
  for (const [port, name] of want) assert.is(defaultProbeForPort(port).name, name, `port ${port}`);
});

test('http: default request, Host is the target address through the template', () => {
  const t = buildPayload(PROBES[1], cfg());
  assert.is(text(t.before), 'GET / HTTP/1.1\r\nHost: ');
  assert.is(text(t.after!), '\r\nUser-Agent: trawl/0.1.0\r\nAccept: */*\r\nConnection: close\r\n\r\n');
  assert.is(text(renderPayload(t, '198.18.0.7')),
    'GET / HTTP/1.1\r\nHost: 198.18.0.7\r\nUser-Agent: trawl/0.1.0\r\nAccept: */*\r\nConnection: close\r\n\r\n');
});

test('http: method, url, headers (added and replacing), user agent, fixed host', () => {
  const c = cfg(['--http-method', 'HEAD', '--http-url', '/status?x=1', '--http-header', 'X-Scan: yes',
    '--http-header', 'accept: text/html', '--http-user-agent', 'Mozilla/5.0 (X11)', '--http-host', 'www.example.com']);
  const t = buildPayload(PROBES[1], c);
  assert.is(t.after, undefined, 'a fixed host leaves no placeholder');
  assert.is(text(t.before), 'HEAD /status?x=1 HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0 (X11)\r\n'
    + 'accept: text/html\r\nX-Scan: yes\r\nConnection: close\r\n\r\n');
  assert.is(httpRequestText({ ...cfg(), httpUserAgent: '' }), 'GET / HTTP/1.1\r\nHost: {ip}\r\nAccept: */*\r\nConnection: close\r\n\r\n');
});

test('http: a second {ip} is refused, one in a header with a fixed host is the template point', () => {
  assert.throws(() => buildPayload(PROBES[1], cfg(['--http-header', 'X-Target: {ip}'])), /more than one \{ip\}/);
  const t = buildPayload(PROBES[1], cfg(['--http-host', 'h', '--http-header', 'X-Target: {ip}']));
  assert.match(text(renderPayload(t, '10.0.0.1')), 'X-Target: 10.0.0.1\r\n');
});

test('http: an oversized request is refused', () => {
  assert.throws(() => buildProbePlan(parseArgs(info, ['--http-url', '/' + 'a'.repeat(1400)]), KEY), /http probe would be \d+ bytes, more than 1400/);
});

test('redis, memcached: exact bytes and their alternatives', () => {
  const by = (n: string) => PROBES.find((p) => p.name === n)!;
  assert.is(text(by('redis').payload(cfg()).before), 'INFO\r\n');
  assert.is(text(by('redis').payload(cfg(['--redis-command', 'ping'])).before), 'PING\r\n');
  assert.is(text(by('memcached').payload(cfg()).before), 'version\r\n');
  assert.is(text(by('memcached').payload(cfg(['--memcached-command', 'stats'])).before), 'stats\r\n');
  assert.is(by('null').payload(cfg()).before.length, 0);
});

test('rdp: TPKT + X.224 CR + RDP_NEG_REQ, lengths consistent', () => {
  const b = RDP_REQUEST;
  assert.is(hex(b), '030000130ee000000000000100080003000000');
  assert.is((b[2] << 8) | b[3], b.length, 'TPKT length');
  assert.is(b[4], b.length - 5, 'X.224 length indicator counts the bytes after it');
  assert.is(b[5], 0xe0, 'connection request');
  assert.is(b[11], 1, 'RDP_NEG_REQ');
  assert.is(b[13] | (b[14] << 8), 8);
});

test('postgres: StartupMessage 3.0 with NUL-terminated pairs', () => {
  const b = startupMessage();
  const v = new DataView(b.buffer, b.byteOffset);
  assert.is(v.getUint32(0), b.length);
  assert.is(v.getUint32(4), 196608);
  assert.is(text(b.subarray(8)), 'user\0trawl\0database\0trawl\0application_name\0trawl\0\0');
});

test('smb: SMB2 NEGOTIATE, NetBIOS length, dialects and 8-aligned negotiate contexts', () => {
  const b = smbNegotiate();
  const v = new DataView(b.buffer, b.byteOffset);
  assert.is(b[0], 0);
  assert.is((b[1] << 16) | (b[2] << 8) | b[3], b.length - 4, 'NetBIOS length');
  assert.is(text(b.subarray(4, 8)), '\xfeSMB');
  assert.is(v.getUint16(8, true), 64);                 // header StructureSize
  assert.is(v.getUint16(16, true), 0);                 // NEGOTIATE
  const n = 68;
  assert.is(v.getUint16(n, true), 36);
  const count = v.getUint16(n + 2, true);
  assert.equal(Array.from({ length: count }, (_, i) => v.getUint16(n + 36 + 2 * i, true)), SMB_DIALECTS);
  const off = v.getUint32(n + 28, true), ctxCount = v.getUint16(n + 32, true);
  assert.is(off % 8, 0);
  assert.ok(off >= 64 + 36 + 2 * count);
  let c = 4 + off; const types: number[] = [];
  for (let i = 0; i < ctxCount; i++) {
    if (i) c = 4 + Math.ceil((c - 4) / 8) * 8;
    const type = v.getUint16(c, true), len = v.getUint16(c + 2, true);
    types.push(type);
    if (type === 1) { assert.is(v.getUint16(c + 8, true), 1); assert.is(v.getUint16(c + 10, true), 32); assert.is(v.getUint16(c + 12, true), 1); assert.is(len, 6 + 32); }
    c += 8 + len;
  }
  assert.equal(types, [1, 2]);
  assert.is(c, b.length, 'contexts end the message');
});

test('mqtt and amqp: exact bytes', () => {
  const by = (n: string) => PROBES.find((p) => p.name === n)!;
  const m = by('mqtt').payload(cfg()).before;
  assert.is(hex(m), '101100044d5154540402003c0005747261776c');
  assert.is(m[0], 0x10); assert.is(m[1], m.length - 2);
  assert.is(text(m.subarray(2)), '\x00\x04MQTT\x04\x02\x00\x3c\x00\x05trawl');
  assert.is(text(by('amqp').payload(cfg()).before), 'AMQP\x00\x00\x09\x01');
});

test('plan: defaults by port, payloads for every slot in use', () => {
  const plan = buildProbePlan(parseArgs(info, []), KEY);
  assert.is(plan.slotForPort(80), 1);
  assert.equal(plan.slotsForPort(443), [10], '443: https alone, one connection');
  assert.equal(plan.slotsForPort(8443), [10], '8443: https alone');
  assert.equal(plan.slotsForPort(993), [2], '993: tls');
  assert.is(plan.slotForPort(22), 0);
  assert.is(plan.slotForPort(6379), 3);
  // Every probe but starttls, ssh and jarm, the default of no port (asked for: --probe 25:starttls).
  assert.equal(plan.probesInUse().map((p) => p.name), PROBES.filter((p) => !['starttls', 'ssh', 'jarm'].includes(p.name)).map((p) => p.name));
  for (const port of [1, 21, 22, 80, 443, 445, 1883, 3389, 5432, 5672, 6379, 8443, 11211]) {
    const slot = plan.slotForPort(port);
    assert.ok(plan.payload(slot));
    assert.is(plan.nameOfSlot(slot), defaultProbeForPort(port).name);
  }
  assert.throws(() => plan.payload(12), /not in use/);
});

test('plan: several probes on a port, first one first; a list for every port; a name twice refused', () => {
  const plan = buildProbePlan(parseArgs(info, ['--probe', '443,8443:tls,https', '--probe', '8080:http,tls']), KEY);
  assert.equal(plan.slotsForPort(443), [2, 10]);
  assert.equal(plan.slotsForPort(8080), [1, 2]);
  assert.is(plan.slotForPort(8080), 1);
  assert.equal(plan.slotsForPort(80), [1]);
  assert.ok(plan.probesInUse().some((p) => p.name === 'https'));
  const every = buildProbePlan(parseArgs(info, ['--probe', 'null,http']), KEY);
  assert.equal(every.slotsForPort(22), [0, 1]);
  assert.equal(every.probesInUse().map((p) => p.name), ['null', 'http']);
  assert.is(checkProbeSpec(probeNames, '443:tls,tls'), "'443:tls,tls' names a probe twice");
  assert.is(checkProbeSpec(probeNames, '443:tls,gopher'), "unknown probe 'gopher' (one of null, http, tls, redis, memcached, rdp, postgres, smb, mqtt, amqp, https, starttls, ssh, jarm, user)");
});

test('plan: --probe NAME forces one probe, PORTS:NAME maps ports over it', () => {
  const plan = buildProbePlan(parseArgs(info, ['--probe', 'tls', '--probe', '80,8000-8001:http', '--probe', '9999:null']), KEY);
  assert.is(plan.slotForPort(22), 2);
  assert.is(plan.slotForPort(443), 2);
  assert.is(plan.slotForPort(80), 1);
  assert.is(plan.slotForPort(8001), 1);
  assert.is(plan.slotForPort(8002), 2);
  assert.is(plan.slotForPort(9999), 0);
  assert.equal(plan.probesInUse().map((p) => [p.slot, p.name]), [[0, 'null'], [1, 'http'], [2, 'tls']]);
  const only = buildProbePlan(parseArgs(info, ['--probe', 'redis']), KEY);
  assert.equal(only.probesInUse().map((p) => p.name), ['redis']);
  assert.is(only.slotForPort(80), 3);
});

test('plan: a probe file alone is used on every port; with PORTS:user only there', () => {
  const f = 'test/fixtures/probes/head.txt';
  const all = buildProbePlan(parseArgs(info, ['--probe-file', f]), KEY);
  assert.is(all.slotForPort(80), 15);
  assert.is(all.slotForPort(22), 15);
  assert.equal(all.probesInUse().map((p) => p.name), ['user']);
  const some = buildProbePlan(parseArgs(info, ['--probe-file', f, '--probe', '9000:user']), KEY);
  assert.is(some.slotForPort(9000), 15);
  assert.is(some.slotForPort(80), 1);
  assert.is(some.nameOfSlot(15), 'user');
});

test('CLI: bad probe options exit 2 naming the flag or the file', async () => {
  const cases: [string[], RegExp][] = [
    [['--probe', 'gopher'], /^trawl probetest: option --probe: unknown probe 'gopher' \(one of null, http, tls, redis, memcached, rdp, postgres, smb, mqtt, amqp, https, starttls, ssh, jarm, user\)\n$/],
    [['--probe', '80-70:http'], /^trawl probetest: option --probe: bad port range '80-70': ends before it starts\n$/],
    [['--probe', 'http', '--probe', 'tls'], /^trawl probetest: --probe http and --probe tls both claim every port; map ports with --probe PORTS:NAME\n$/],
    [['--probe', '80:user'], /^trawl probetest: --probe user needs --probe-file FILE\n$/],
    [['--probe', 'tls', '--probe-file', 'test/fixtures/probes/head.txt'], /^trawl probetest: --probe-file is unused: --probe tls covers every port \(add --probe PORTS:user\)\n$/],
    [['--probe-file', 'test/fixtures/probes/nope.txt'], /^trawl probetest: test\/fixtures\/probes\/nope.txt: cannot read probe file: no such file\n$/],
    [['--probe-file', 'test/fixtures/probes/bad-escape.txt'], /^trawl probetest: test\/fixtures\/probes\/bad-escape.txt:3: unknown escape \\q/],
    [['--http-header', 'NoColon'], /^trawl probetest: option --http-header: 'NoColon' is not NAME: VALUE\n$/],
    [['--http-method', 'GE T'], /^trawl probetest: option --http-method: 'GE T' is not an HTTP method\n$/],
    [['--sni', '198.18.0.1'], /^trawl probetest: option --sni: '198.18.0.1' is an IP address; SNI takes a host name\n$/],
    [['--redis-command', 'flushall'], /^trawl probetest: option --redis-command: 'flushall' is not info or ping\n$/],
    [['--sni'], /^trawl probetest: option --sni needs a value \(NAME\)\n$/],
  ];
  for (const [argv, re] of cases) {
    const r = await cli(argv);
    assert.is(r.code, 2, argv.join(' '));
    assert.match(r.stderr, re, argv.join(' '));
  }
  const ok = await cli(['--probe', 'http', '--probe', '22:null']);
  assert.equal(ok, { code: 0, stderr: '' });
});

test.run();
