// trawl fmt: golden output per format from a fixed stream with hostile banners, structural
// validation (xmllint against nmap.dtd, JSON.parse, python's csv), --where, peers' input,
// rotation, several outputs at once, EPIPE and SIGINT.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import { ROOT, TRAWL, runInProcess, trawl, sh, lines } from './helpers';

const FIX = path.join(ROOT, 'test', 'fixtures', 'fmt');
const INPUT = path.join(FIX, 'records.ndjson');
const DTD = '/usr/share/nmap/nmap.dtd';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-fmt-'));
const fixture = (name: string) => fs.readFileSync(path.join(FIX, name), 'utf8');

function xmlValid(file: string): { ok: boolean; err: string } {
  const r = spawnSync('xmllint', ['--noout', '--dtdvalid', DTD, file], { encoding: 'utf8' });
  return { ok: r.status === 0, err: r.stderr };
}

// python3's csv module is the "real CSV parser" the rows must survive.
function pyCsv(text: string): string[][] {
  const r = spawnSync('python3', ['-c', 'import csv,sys,json; print(json.dumps(list(csv.reader(sys.stdin))))'], { input: text, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

for (const f of ['ndjson', 'list', 'grepable', 'xml', 'json', 'csv', 'hosts', 'certs']) {
  test(`-o ${f} matches its golden file`, () => {
    const r = trawl(['fmt', '-o', f, path.relative(ROOT, INPUT)], undefined, { cwd: ROOT });
    assert.is(r.stderr, '');
    assert.is(r.code, 0);
    assert.fixture(r.stdout, fixture(`expected.${f}`));
  });
}

test('xml is valid against nmap.dtd and escapes hostile banners', () => {
  assert.ok(fs.existsSync(DTD), 'nmap.dtd missing: apt-get install nmap');
  const v = xmlValid(path.join(FIX, 'expected.xml'));
  assert.ok(v.ok, v.err);
  const x = fixture('expected.xml');
  assert.not.match(x, /\]\]>/, 'a banner closed a CDATA-like section');
  assert.not.match(x, /<script>/);
  assert.not.match(x, /[\x00-\x08\x0b\x0c\x0e-\x1f]/, 'raw control characters in XML');
  assert.match(x, /<script id="banner" output="HTTP\/1.0 200 OK\\x0d\\x0aServer: x\]\]&gt;&lt;script&gt;/);
  assert.match(x, /<service name="ssh" product="OpenSSH" version="9.2p1 Debian 2" extrainfo="protocol 2.0" method="probed" conf="10"><cpe>/);
  // xmllint reads the text back as it went in.
  const r = spawnSync('xmllint', ['--xpath', 'string(//port[@portid="80"]/service/@product)', path.join(FIX, 'expected.xml')], { encoding: 'utf8' });
  assert.is(r.stdout.replace(/\n$/, ''), 'Evil/1.0, "x" <y>\tz');
});

// nmap's own consumers of -oX, when installed (Debian packages xsltproc and ndiff).
const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

test('xml: nmap.xsl renders it (xsltproc) and ndiff compares two of them', () => {
  if (have('xsltproc') && fs.existsSync('/usr/share/nmap/nmap.xsl')) {
    const r = spawnSync('xsltproc', ['/usr/share/nmap/nmap.xsl', path.join(FIX, 'expected.xml')], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /198\.18\.0\.7/);
    assert.match(r.stdout, /OpenSSH/);
  } else console.log('  xsltproc or nmap.xsl missing: rendering not checked');
  if (have('ndiff')) {
    const a = path.join(tmp, 'a.xml'), b = path.join(tmp, 'b.xml');
    fs.copyFileSync(path.join(FIX, 'expected.xml'), a);
    const changed = fs.readFileSync(INPUT, 'utf8').replace('"type":"closed","ip":"198.18.0.8"', '"type":"open","ip":"198.18.0.8"');
    const r0 = trawl(['fmt', '-o', `xml:${b}`], changed);
    assert.is(r0.code, 0);
    const r = spawnSync('ndiff', [a, b], { encoding: 'utf8' });
    assert.is(r.status, 1, r.stderr);   // 1: the scans differ
    assert.match(r.stdout, /198\.18\.0\.8/);
  } else console.log('  ndiff missing: comparison not checked');
});

test('json parses back: hosts grouped with their ports and banners, bytes lossless', () => {
  const doc = JSON.parse(fixture('expected.json'));
  assert.ok(Array.isArray(doc));
  const h7 = doc.find((h: any) => h.ip === '198.18.0.7');
  assert.equal(h7.ports.map((p: any) => p.port), [22, 80]);
  const http = h7.ports[1];
  assert.is(http.state, 'open');
  assert.is(http.product, 'Evil/1.0, "x" <y>\tz');
  const inRec = fs.readFileSync(INPUT, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((r: any) => r.type === 'banner' && r.port === 80);
  assert.is(http.banners[0].data, inRec.data);
  assert.is(doc.filter((h: any) => h.ip === '198.18.0.9').length, 0, 'a target record is not a host');
});

test('csv parses back with python csv: header, quoting, hostile cells intact', () => {
  const rows = pyCsv(fixture('expected.csv'));
  assert.equal(rows[0], ['type', 'ip', 'port', 'proto', 'sport', 'ttl', 'time_us', 'service', 'product', 'version', 'banner']);
  assert.is(rows.length, 13);
  for (const r of rows) assert.is(r.length, 11);
  const http = rows.find((r) => r[0] === 'banner' && r[2] === '80')!;
  assert.is(http[3], 'tcp', 'a record without proto is tcp');
  assert.is(http[8], 'Evil/1.0, "x" <y>\tz');
  assert.ok(http[10].startsWith('HTTP/1.0 200 OK\\x0d\\x0aServer: x]]><script>alert(1)</script>&amp;"q"\'s\\x00'));
  // Without --csv-formula-escape, cells stay as they are.
  assert.ok(rows.some((r) => r[10] === "=cmd|'/C calc'!A0\\x0d\\x0a"));
});

test('--csv-formula-escape quotes = + - @ leading cells, --fields picks columns', () => {
  const r = trawl(['fmt', '-o', 'csv', '--csv-formula-escape', '--fields', 'ip,port,banner,product', path.relative(ROOT, INPUT)], undefined, { cwd: ROOT });
  assert.is(r.code, 0);
  assert.is(r.stderr, '');
  assert.fixture(r.stdout, fixture('expected-formula.csv'));
  const rows = pyCsv(r.stdout);
  assert.equal(rows[0], ['ip', 'port', 'banner', 'product']);
  assert.ok(rows.some((x) => x[2] === "'=cmd|'/C calc'!A0\\x0d\\x0a"));
  assert.ok(rows.some((x) => x[2] === "'-2+3 @SUM(1)\\x0a+x"));
  for (const x of rows.slice(1)) assert.not.match(x[2], /^[=+\-@]/);
});

test('list escapes as masscan does and keeps one record per line', () => {
  const l = fixture('expected.list').split('\n');
  assert.is(l[0], '#masscan');
  assert.is(l[l.length - 2], '# end');
  for (const line of l.slice(1, -2)) assert.match(line, /^(open|closed|banner) tcp \d+ \S+ \d+( \S+ [\x20-\x7e]*)?$/);
  assert.ok(l.includes('banner tcp 21 198.18.0.11 1700000001 ftp =cmd|\\x27/C calc\\x27!A0\\x0d\\x0a'));
});

test('grepable: nmap layout, separators in product text cannot split a field', () => {
  const g = fixture('expected.grepable').split('\n').filter((l) => l.startsWith('Host:'));
  for (const line of g) assert.match(line, /^Host: \S+ \(\)\t(Status: (Up|Down)|Ports: .*)$/);
  const ports = g.find((l) => l.startsWith('Host: 198.18.0.7 ()\tPorts:'))!.split('\t')[1].slice('Ports: '.length).split(', ');
  assert.is(ports.length, 2);
  for (const p of ports) assert.is(p.split('/').length, 8, p);   // port/state/proto/owner/service/rpc/version/
  assert.is(ports[0], '22/open/tcp//ssh//OpenSSH 9.2p1 Debian 2 (protocol 2.0)/');
});

test('certs: PEM that openssl reads', () => {
  const r = spawnSync('openssl', ['x509', '-noout', '-subject'], { input: fixture('expected.certs'), encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /evil/);
});

test('--where filters, and --open-only keeps open and banner records', async () => {
  const input = fs.readFileSync(INPUT);
  const cases: [string, number][] = [
    ['port == 443 && service == "tls"', 1],
    ['port == 443', 2],
    ['type == "banner" && !(service == "ssh" || service == "http")', 3],
    ['banner ~ "OpenSSH_[0-9]"', 1],
    ["ip !~ '^198\\.18\\.0\\.' ", 1],
    ['ttl >= 63 && ttl < 64.5', 6],
    ['truncated', 1],
    ['service == null && type == "open"', 4],
    ['port > "1000"', 2],
    ['zero_window == true', 1],
  ];
  for (const [expr, n] of cases) {
    const r = await runInProcess('fmt', ['--where', expr], input);
    assert.is(r.stderr, '', expr);
    assert.is(r.code, 0, expr);
    assert.is(lines(r.stdout).length, n, expr);
  }
  const o = await runInProcess('fmt', ['--open-only'], input);
  assert.equal([...new Set(lines(o.stdout).map((x) => x.type))].sort(), ['banner', 'open']);
});

test('--where: bad expressions are usage errors naming the column', async () => {
  const cases: [string, RegExp][] = [
    ['port = 80', /at column 6: '=' is not an operator; use '=='/],
    ['port == ', /at column 9: expected a field, number or string, got end of expression/],
    ['(port == 80', /expected '\)' to close the '\(' at column 1/],
    ['port == 80 && ', /expected a field, number or string/],
    ['service == "http', /unterminated string/],
    ['banner ~ port', /needs a "regular expression" string/],
    ['banner ~ "("', /bad regular expression/],
    ['port == 80 80', /unexpected 80 after a complete expression/],
    ['port & 1', /'&' is not an operator; use '&&'/],
    ['   ', /empty expression/],
    ['process.exit(1)', /unexpected \(|unexpected character/],
  ];
  for (const [expr, re] of cases) {
    const r = await runInProcess('fmt', ['--where', expr], '{"type":"open","ip":"198.18.0.1","port":80}\n');
    assert.is(r.code, 2, expr);
    assert.is(r.stdout, '', expr);
    assert.match(r.stderr, /^trawl fmt: --where: /, expr);
    assert.match(r.stderr, re, `${expr}: ${r.stderr}`);
  }
});

test('usage errors: unknown format, two stdout outputs, rotate without a file', async () => {
  let r = await runInProcess('fmt', ['-o', 'yaml']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /option --output: unknown format 'yaml'/);
  r = await runInProcess('fmt', ['-o', 'xml', '-o', 'json']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /only one format can go to stdout/);
  r = await runInProcess('fmt', ['-o', 'xml', '--rotate-size', '1M']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /--rotate and --rotate-size need every -o to name a FILE/);
  r = await runInProcess('fmt', ['/nonexistent/in.ndjson']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /cannot read \/nonexistent\/in.ndjson/);
  r = await runInProcess('fmt', ['-o', 'xml:/nonexistent/dir/x.xml'], '');
  assert.is(r.code, 1);
  assert.match(r.stderr, /cannot write \/nonexistent\/dir\/x.xml/);
});

test('bad input lines are reported, good records around them still come out, exit 3', async () => {
  const input = '{"type":"open","ip":"198.18.0.1","port":80,"time_us":1}\nnot json\n{"type":"open","ip":"198.18.0.2","port":80,"time_us":2}\n';
  const r = await runInProcess('fmt', ['-o', 'list'], input);
  assert.is(r.code, 3);
  assert.is(r.stdout, '#masscan\nopen tcp 80 198.18.0.1 0\nopen tcp 80 198.18.0.2 0\n# end\n');
  assert.is(r.stderr, 'trawl fmt: stdin:2: unexpected token \'o\', "not json" is not valid JSON: not json\n');
});

test('json and xml stay valid when the input stops mid-line', async () => {
  const cut = fs.readFileSync(INPUT).subarray(0, 700);
  for (const f of ['json', 'xml']) {
    const r = await runInProcess('fmt', ['-o', f], cut);
    assert.is(r.code, 3, f);
    assert.match(r.stderr, /^trawl fmt: stdin:\d+: /);
    if (f === 'json') assert.ok(JSON.parse(r.stdout).length >= 2);
    else {
      const file = path.join(tmp, 'cut.xml');
      fs.writeFileSync(file, r.stdout);
      assert.ok(xmlValid(file).ok);
    }
  }
});

test('--group-window bounds what is held: a host evicted early comes out twice', async () => {
  const rec = (ip: string, port: number) => JSON.stringify({ type: 'open', ip, port, ttl: 64, time_us: 1700000000000000 });
  const input = [rec('198.18.0.1', 1), rec('198.18.0.2', 1), rec('198.18.0.3', 1), rec('198.18.0.1', 2), rec('198.18.0.3', 2)].join('\n') + '\n';
  const two = JSON.parse((await runInProcess('fmt', ['-o', 'json', '--group-window', '2'], input)).stdout);
  assert.equal(two.map((h: any) => `${h.ip}:${h.ports.map((p: any) => p.port).join('+')}`), ['198.18.0.1:1', '198.18.0.2:1', '198.18.0.1:2', '198.18.0.3:1+2']);
  const all = JSON.parse((await runInProcess('fmt', ['-o', 'json'], input)).stdout);
  assert.equal(all.map((h: any) => `${h.ip}:${h.ports.map((p: any) => p.port).join('+')}`), ['198.18.0.2:1', '198.18.0.1:1+2', '198.18.0.3:1+2']);
});

test('several outputs in one pass, each complete', () => {
  const x = path.join(tmp, 'multi.xml'), j = path.join(tmp, 'multi.json'), l = path.join(tmp, 'multi.txt');
  const r = trawl(['fmt', '-o', `xml:${x}`, '-o', `json:${j}`, '-o', `list:${l}`, '-o', 'hosts', INPUT]);
  assert.is(r.code, 0);
  assert.is(r.stderr, '');
  assert.is(r.stdout, fixture('expected.hosts'));
  assert.ok(xmlValid(x).ok);
  assert.is(fs.readFileSync(j, 'utf8'), fixture('expected.json'));
  assert.is(fs.readFileSync(l, 'utf8'), fixture('expected.list'));
});

test('--group-window 0 writes one host per record, as masscan -oX does', () => {
  const r = trawl(['fmt', '-o', 'json', '--group-window', '0', INPUT]);
  assert.is(r.code, 0);
  const doc = JSON.parse(r.stdout);
  assert.is(doc.length, 11);   // every record but the target
  for (const h of doc) assert.is(h.ports.length, 1);
});

test('--rotate-size: every file is a complete document, together they hold every host', () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'rot-'));
  const big = Array.from({ length: 300 }, (_, i) =>
    JSON.stringify({ type: 'open', ip: `198.18.${i >> 8}.${i & 255}`, port: 80, ttl: 64, time_us: 1700000000000000 + i })).join('\n') + '\n';
  const r = trawl(['fmt', '--rotate-size', '4k', '--group-window', '0', '-o', `xml:${dir}/scan.xml`, '-o', `json:${dir}/scan.json`, '-o', `list:${dir}/scan.txt`], big);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  const files = fs.readdirSync(dir).sort();
  const xmls = files.filter((f) => f.endsWith('.xml')), jsons = files.filter((f) => f.endsWith('.json')), txts = files.filter((f) => f.endsWith('.txt'));
  assert.ok(xmls.length >= 5, files.join(' '));
  assert.ok(xmls.includes('scan.1.xml') && xmls.includes('scan.2.xml'));
  let hosts = 0;
  for (const f of xmls) { const v = xmlValid(path.join(dir, f)); assert.ok(v.ok, f + v.err); hosts += (fs.readFileSync(path.join(dir, f), 'utf8').match(/<host /g) ?? []).length; }
  assert.is(hosts, 300);
  let n = 0;
  for (const f of jsons) n += JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).length;
  assert.is(n, 300);
  let opens = 0;
  for (const f of txts) {
    const t = fs.readFileSync(path.join(dir, f), 'utf8');
    assert.ok(t.startsWith('#masscan\n') && t.endsWith('# end\n'), f);
    assert.ok(fs.statSync(path.join(dir, f)).size < 4096 + 100, `${f} is far past the rotate size`);
    opens += (t.match(/^open /gm) ?? []).length;
  }
  assert.is(opens, 300);
});

test("masscan's -oD, masscan's -oJ and ZMap's CSV come in as trawl records", () => {
  let r = trawl(['fmt', path.join(FIX, 'masscan-oD.ndjson')]);
  assert.is(r.code, 0, r.stderr);
  const d = lines(r.stdout);
  assert.is(d.length, 15);
  const ftp = d.find((x) => x.type === 'banner' && x.port === 21);
  assert.equal(Object.keys(ftp), ['type', 'ip', 'port', 'ttl', 'probe', 'len', 'data', 'service', 'time_us'].filter((k) => k in ftp));
  assert.is(Buffer.from(ftp.data, 'base64').toString('latin1'), '220 hello <ftp> & "x"\n');
  assert.is(ftp.service, 'ftp');
  assert.is(d.filter((x) => x.type === 'open').length, 9);
  assert.is(d[0].time_us % 1000000, 0);

  r = trawl(['fmt', path.join(FIX, 'masscan-oJ.json')]);
  assert.is(r.code, 0, r.stderr);
  const j = lines(r.stdout);
  assert.is(j.length, 15);
  assert.is(j.filter((x) => x.type === 'banner').length, 6);

  r = trawl(['fmt', '-o', 'list', path.join(FIX, 'zmap.csv')]);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  assert.is(r.stdout, '#masscan\nopen tcp 80 198.18.0.7 1700000000\nclosed tcp 443 198.18.0.8 1700000001\nopen tcp 22 198.18.0.9 1700000002\n# end\n');
  r = trawl(['fmt', path.join(FIX, 'zmap.csv')]);
  assert.equal(lines(r.stdout)[0], { type: 'open', ip: '198.18.0.7', port: 80, sport: 41234, ttl: 64, window: 65160, ipid: 0, time_us: 1700000000123000 });
});

test('EPIPE: `fmt | head -1` exits 0 quietly, and file outputs are still closed', () => {
  const big = path.join(tmp, 'big.ndjson');
  const rec = (i: number) => JSON.stringify({ type: 'open', ip: `198.18.${(i >> 8) & 255}.${i & 255}`, port: 80 + (i >> 16), ttl: 64, time_us: 1700000000000000 + i });
  fs.writeFileSync(big, Array.from({ length: 200000 }, (_, i) => rec(i)).join('\n') + '\n');
  const x = path.join(tmp, 'epipe.xml');
  const r = sh(`$TRAWL fmt -o list -o xml:${x} < ${big} | head -1`);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '#masscan\n');
  assert.is(r.stderr, '');
  const v = xmlValid(x);
  assert.ok(v.ok, v.err);
});

// Spawns fmt, feeds it records, waits until it has echoed them all (so they were read), then
// sends SIGINT while stdin is still open.
function interrupted(args: string[], recs: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [TRAWL, 'fmt', '-o', 'ndjson', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '', err = '', sent = false;
    p.stdout.on('data', (c) => {
      out += c;
      if (!sent && out.split('\n').length > recs.length) { sent = true; p.kill('SIGINT'); }
    });
    p.stderr.on('data', (c) => { err += c; });
    p.on('close', (code) => resolve({ code, stderr: err }));
    p.stdin.write(recs.join('\n') + '\n');
  });
}

test('SIGINT mid-stream leaves valid XML and JSON and exits 130', async () => {
  const x = path.join(tmp, 'int.xml'), j = path.join(tmp, 'int.json');
  const recs = Array.from({ length: 50 }, (_, i) => JSON.stringify({ type: 'open', ip: `198.18.0.${i}`, port: 443, ttl: 64, time_us: 1700000000000000 + i }));
  const r = await interrupted(['-o', `xml:${x}`, '-o', `json:${j}`], recs);
  assert.is(r.code, 130, r.stderr);
  assert.match(r.stderr, /interrupted after 50 records/);
  const v = xmlValid(x);
  assert.ok(v.ok, v.err);
  const xml = fs.readFileSync(x, 'utf8');
  assert.is((xml.match(/<host /g) ?? []).length, 50);
  assert.match(xml, /exit="error" errormsg="interrupted"/);
  assert.is(JSON.parse(fs.readFileSync(j, 'utf8')).length, 50);
});

test.after(() => { fs.rmSync(tmp, { recursive: true, force: true }); });
test.run();
