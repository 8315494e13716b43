// trawl fmt against masscan itself: one masscan scan in namespaces, read back as -oD through
// the peer adapter and formatted by fmt, compared with masscan's own -oL, -oG and -oX; and
// those three files read back by fmt.
// Comparison rules (where masscan deviates from nmap, the issue says follow nmap):
// - list: byte for byte, masscan's layout is the definition (timestamps agree: same scan file).
// - grepable: masscan prefixes "Timestamp: N<TAB>", writes 6-field port entries (nmap writes 7,
//   with the version field) and one host line per port, and adds "Banner:" lines nmap has not.
//   So the (ip, port, state, proto, service) tuples of the Ports: entries must agree.
// - xml: masscan's -oX is not valid against nmap.dtd (scanner="masscan", no <status>, no
//   verbose/debugging, a non-DTD banner attribute), ours must be; masscan writes one <host>
//   per record, we group. So the (ip, port, state, reason, ttl) tuples of status records, and
//   (ip, port, service, banner bytes) of banners, must agree, banner text compared after
//   undoing each side's \xNN escaping (masscan also escapes < > & " ').
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { ROOT, isRoot, trawl } from './helpers';

const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const ready = isRoot && have('masscan') && have('xmllint') && fs.existsSync('/usr/share/nmap/nmap.dtd');
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-fmt-masscan-'));
const file = (n: string) => fs.readFileSync(path.join(out, n), 'utf8');

const unxml = (s: string) => s.replace(/&(lt|gt|amp|quot|apos|#\d+);/g, (_m, e: string) =>
  ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[e] ?? String.fromCharCode(Number(e.slice(1))));
const unhex = (s: string) => s.replace(/\\x([0-9a-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));

function hostBlocks(xml: string): { ip: string; body: string }[] {
  return [...xml.matchAll(/<host [^>]*>([\s\S]*?)<\/host>/g)].map((m) => ({ ip: /<address addr="([^"]+)"/.exec(m[1])![1], body: m[1] }));
}

function statusTuples(xml: string): string[] {
  const t: string[] = [];
  for (const h of hostBlocks(xml)) {
    for (const p of h.body.matchAll(/<port protocol="(\w+)" portid="(\d+)"><state state="(\w+)" reason="([\w-]+)" reason_ttl="(\d+)"/g)) t.push(`${h.ip} ${p[2]}/${p[1]} ${p[3]} ${p[4]} ${p[5]}`);
  }
  return t.sort();
}

function grepTuples(text: string): string[] {
  const t: string[] = [];
  for (const line of text.split('\n')) {
    const m = /(?:^|\t)Host: (\S+) \(\)\tPorts: (.*)$/.exec(line.replace(/\tIgnored State:.*$/, ''));
    if (!m) continue;
    for (const e of m[2].split(', ')) t.push(`${m[1]} ${e.split('/').slice(0, 5).join('/')}`);
  }
  return t.sort();
}

test('masscan scan in namespaces (setup)', () => {
  if (!ready) { console.log('  skipped: needs root, masscan, xmllint and nmap.dtd'); return; }
  const r = spawnSync('bash', [path.join(ROOT, 'test', 'fixtures', 'fmt', 'masscan-scan.sh'), out], { encoding: 'utf8', timeout: 120000 });
  assert.is(r.status, 0, r.stderr + (fs.existsSync(path.join(out, 'masscan.log')) ? file('masscan.log') : ''));
  assert.ok(file('scan.mndjson').split('\n').length > 5, 'masscan found nothing');
  // Only this run's namespaces (tn-fmt-PID): other runs on the machine may have theirs up.
  assert.is(spawnSync('sh', ['-c', `ip netns list | grep -cE "^tn-fmt-${r.pid}[st]( |$)"`]).stdout.toString().trim(), '0', 'namespaces left behind');
});

test('list: fmt -o list of masscan -oD equals masscan -oL byte for byte', () => {
  if (!ready) return;
  const r = trawl(['fmt', '-o', 'list', path.join(out, 'scan.mndjson')]);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  assert.fixture(r.stdout, file('scan.list'));
});

test('grepable: the same ports, states and services as masscan -oG', () => {
  if (!ready) return;
  const r = trawl(['fmt', '-o', 'grepable', path.join(out, 'scan.mndjson')]);
  assert.is(r.code, 0);
  assert.is(r.stderr, '');
  const ours = grepTuples(r.stdout);
  assert.ok(ours.length >= 6);
  assert.equal(ours, grepTuples(file('scan.grepable')));
  for (const l of r.stdout.split('\n').filter((x) => x.includes('Ports: '))) assert.match(l, /^Host: \S+ \(\)\tPorts: (\d+\/\w+\/tcp\/\/[\w-]*\/\/[^/]*\/(, |$))+/);
});

test('xml: valid against nmap.dtd, same port states and banners as masscan -oX', () => {
  if (!ready) return;
  const x = path.join(out, 'trawl.xml');
  let q = trawl(['fmt', '-o', `xml:${x}`, '--where', 'type != "banner"', path.join(out, 'scan.mndjson')]);
  assert.is(q.code, 0, q.stderr);
  const v = spawnSync('xmllint', ['--noout', '--dtdvalid', '/usr/share/nmap/nmap.dtd', x], { encoding: 'utf8' });
  assert.is(v.status, 0, v.stderr);
  const theirs = file('scan.xml');
  const theirStatus = hostBlocks(theirs).filter((h) => !h.body.includes('<service'));
  assert.equal(statusTuples(fs.readFileSync(x, 'utf8')), statusTuples(theirStatus.map((h) => `<host x><address addr="${h.ip}"/>${h.body}</host>`).join('\n')));

  q = trawl(['fmt', '-o', `xml:${x}`, path.join(out, 'scan.mndjson')]);
  assert.is(q.code, 0, q.stderr);
  const ours = fs.readFileSync(x, 'utf8');
  const ourBanners = hostBlocks(ours).flatMap((h) => [...h.body.matchAll(/portid="(\d+)">.*?<service name="([^"]+)"[^>]*>.*?<script id="banner" output="([^"]*)"/g)]
    .map((m) => `${h.ip} ${m[1]} ${m[2]} ${JSON.stringify(unhex(unxml(m[3])))}`)).sort();
  const theirBanners = hostBlocks(theirs).flatMap((h) => [...h.body.matchAll(/portid="(\d+)">.*?<service name="([^"]+)" banner="([^"]*)"/g)]
    .map((m) => `${h.ip} ${m[1]} ${m[2]} ${JSON.stringify(unhex(unxml(m[3])))}`)).sort();
  assert.ok(ourBanners.length >= 3, ours);
  assert.equal(ourBanners, theirBanners);
});

test("masscan's own -oL, -oG and -oX read back: the same records as its -oD", () => {
  if (!ready) return;
  const key = (r: any) => `${r.type} ${r.ip} ${r.port} ${r.service ?? ''} ${r.data ?? ''}`;
  const want = trawl(['fmt', path.join(out, 'scan.mndjson')]);
  assert.is(want.code, 0, want.stderr);
  const base = want.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  for (const f of ['scan.list', 'scan.grepable', 'scan.xml']) {
    const r = trawl(['fmt', path.join(out, f)]);
    assert.is(r.stderr, '', f);
    assert.is(r.code, 0, f);
    const got = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((x) => x.type !== 'scan');
    assert.equal(got.map(key).sort(), base.map(key).sort(), f);
    // Times: every format but -oG's Banner: lines carries them; masscan -oL and -oX to the second.
    if (f !== 'scan.grepable') assert.equal(got.map((x) => `${key(x)} ${x.time_us}`).sort(), base.map((x) => `${key(x)} ${x.time_us}`).sort(), f);
  }
  // And re-formatted: -oL read back and written as a list is masscan's -oL again.
  const l = trawl(['fmt', '-o', 'list', path.join(out, 'scan.xml')]);
  assert.equal(l.stdout.split('\n').sort(), file('scan.list').split('\n').sort());
});

test.after(() => { fs.rmSync(out, { recursive: true, force: true }); });
test.run();
