// fmt's outputs for people and databases, and its readers: goldens of text, grepable, xml and
// report from a hostile stream headed by a scan record; the report rendered in headless Chromium;
// sqlite queried back with the man page's own queries (sqlite3 CLI), two scans in one file;
// fmt's list, grepable and XML read back; an unknown input said once; rotation by size with
// grouping and by time.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import { ROOT, TRAWL, lines, runInProcess, trawl } from './helpers';
import { inkStats, readPng } from './png';

const FIX = path.join(ROOT, 'test', 'fixtures', 'fmt');
const INPUT = path.join(FIX, 'results.ndjson');
const DTD = '/usr/share/nmap/nmap.dtd';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-fmt-results-'));
const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const xmlValid = (file: string) => spawnSync('xmllint', ['--noout', '--dtdvalid', DTD, file], { encoding: 'utf8' });

for (const [f, golden] of [['text', 'expected-results.text'], ['grepable', 'expected-results.grepable'], ['xml', 'expected-results.xml'], ['report', 'expected-results.html']]) {
  test(`-o ${f} of a hostile stream with a scan record matches ${golden}`, () => {
    const r = trawl(['fmt', '-o', f, path.relative(ROOT, INPUT)], undefined, { cwd: ROOT });
    assert.is(r.stderr, '');
    assert.is(r.code, 0);
    if (process.env.UPDATE_GOLDEN === '1') fs.writeFileSync(path.join(FIX, golden), r.stdout);
    assert.fixture(r.stdout, fs.readFileSync(path.join(FIX, golden), 'utf8'));
  });
}

test('text: nmap\'s normal output, terminal-safe, the scan\'s command line in the header', () => {
  const t = fs.readFileSync(path.join(FIX, 'expected-results.text'), 'utf8');
  assert.not.match(t, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/, 'a control character reached the terminal');
  assert.match(t, /^# trawl \S+ scan initiated .* as: trawl scan 198\.18\.0\.0\/24 -p 22,80,443 --banners --seed 7\n/);
  assert.match(t, /^22\/tcp open  ssh     OpenSSH 9\.2p1 Debian 2 \(protocol 2\.0\)$/m);
  assert.match(t, /^443\/tcp open  ssl\/http$/m);
  assert.match(t, /^\| http-title: \\x1b\[31mred<\/script>/m);
  assert.match(t, /^\|_ssl-cert: Subject: CN=evil<b>\.example; .*self-signed$/m);
  assert.match(t, /^3389\/tcp open  ms-wbt-server Microsoft Terminal Services$/m);
  assert.match(t, /^Service Info: Host: WIN-\\x07BEL; OS: Windows; Device: general purpose$/m);
  // On a terminal text is the default: fmt in a pseudo-terminal (script(1)) prints the port table.
  if (have('script')) {
    const r = spawnSync('script', ['-qec', `${process.execPath} ${TRAWL} fmt ${INPUT}`, '/dev/null'], { encoding: 'utf8' });
    assert.match(r.stdout, /Nmap scan report for 198\.18\.0\.7/);
  }
});

test('grepable and xml: the scan record\'s command line and ports, nmap\'s names, one banner script per port', () => {
  const g = fs.readFileSync(path.join(FIX, 'expected-results.grepable'), 'utf8');
  assert.match(g, /^# trawl \S+ scan initiated .* as: trawl scan 198\.18\.0\.0\/24 -p 22,80,443 --banners --seed 7\n# Ports scanned: TCP\(3;22,80,443\)\n/);
  assert.match(g, /\tPorts: 22\/open\/tcp\/\/ssh\/\/OpenSSH 9\.2p1 Debian 2 \(protocol 2\.0\)\/, 80\/open\/tcp\/\/http\/\/nginx 1\.22\.1\//);
  assert.match(g, /\tPorts: 443\/open\/tcp\/\/ssl\|http\/\/\//);
  const file = path.join(FIX, 'expected-results.xml');
  const v = xmlValid(file);
  assert.is(v.status, 0, v.stderr);
  const x = fs.readFileSync(file, 'utf8');
  assert.match(x, /<nmaprun scanner="nmap" args="trawl scan 198\.18\.0\.0\/24 -p 22,80,443 --banners --seed 7" start="1700000000"/);
  assert.match(x, /<scaninfo type="syn" protocol="tcp" numservices="3" services="22,80,443"\/>/);
  assert.match(x, /<service name="ssh" product="OpenSSH" version="9\.2p1 Debian 2" extrainfo="protocol 2\.0" ostype="Linux" method="probed" conf="10"><cpe>cpe:\/a:openbsd:openssh:9\.2p1<\/cpe><cpe>cpe:\/o:linux:linux_kernel<\/cpe><\/service>/);
  assert.match(x, /<service name="http" tunnel="ssl" method="probed" conf="10"\/>/);
  assert.match(x, /<service name="ms-wbt-server" product="Microsoft Terminal Services" hostname="WIN-\\x07BEL" ostype="Windows" devicetype="general purpose"/);
  const port80 = x.split('<port ').find((p) => p.includes('portid="80"><state state="open"'))!;
  assert.is((port80.match(/<script id="banner"/g) ?? []).length, 1, 'two banners, one script');
  assert.match(port80, /output="HTTP\/1\.1 200 OK.*&#10;second\\x00banner\\x9b2J"/);
});

test('an HTTPS response (the https probe) is http over an ssl tunnel to nmap\'s readers, on any port', async () => {
  const recs = [
    { type: 'open', ip: '198.18.0.4', port: 9443, sport: 1, ttl: 64, time_us: 1 },
    { type: 'banner', ip: '198.18.0.4', port: 9443, sport: 2, probe: 'https', data: 'FgMD', len: 3, service: 'https', product: 'nginx', version: '1.22.1', time_us: 2 },
  ].map((r) => JSON.stringify(r)).join('\n') + '\n';
  const x = await runInProcess('fmt', ['-o', 'xml'], recs);
  assert.match(x.stdout, /<service name="http" product="nginx" version="1\.22\.1" tunnel="ssl" method="probed" conf="10"\/>/);
  const g = await runInProcess('fmt', ['-o', 'grepable'], recs);
  assert.match(g.stdout, /Ports: 9443\/open\/tcp\/\/ssl\|http\/\/nginx 1\.22\.1\//);
});

test('xml: nmap.xsl shows the versions and ndiff reports a version change', () => {
  const a = path.join(FIX, 'expected-results.xml');
  const html = spawnSync('xsltproc', ['/usr/share/nmap/nmap.xsl', a], { encoding: 'utf8' });
  assert.is(html.status, 0, html.stderr);
  assert.match(html.stdout, /<td>OpenSSH\s*<\/td>\n<td>9\.2p1 Debian 2\s*<\/td>/);
  const b = path.join(tmp, 'later.xml');
  const later = fs.readFileSync(INPUT, 'utf8').replace('"version":"1.22.1"', '"version":"1.24.0"');
  assert.is(trawl(['fmt', '-o', `xml:${b}`], later).code, 0);
  const d = spawnSync('ndiff', [a, b], { encoding: 'utf8' });
  assert.is(d.status, 1, d.stderr);
  assert.match(d.stdout, /^-80\/tcp +open +http +nginx 1\.22\.1$/m);
  assert.match(d.stdout, /^\+80\/tcp +open +http +nginx 1\.24\.0$/m);
});

test('report: self-contained (no address outside the page), hostile text escaped', () => {
  const h = fs.readFileSync(path.join(FIX, 'expected-results.html'), 'utf8');
  assert.match(h, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
  assert.not.match(h, /\b(src|href)=/i, 'nothing loaded from anywhere');
  assert.not.match(h, /<link|@import|url\(/i);
  assert.is((h.match(/<script/g) ?? []).length, 1, 'one inline script, the table filter');
  assert.not.match(h, /<script>alert/);
  assert.match(h, /&lt;\/script&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.not.match(h, /[\x00-\x08\x0b\x0c\x0e-\x1f]/);
});

// Headless Chromium from Debian's package renders the report as a person's browser would.
function chromium(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const profile = fs.mkdtempSync(path.join(tmp, 'chromium-'));
  const r = spawnSync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`, ...args], { encoding: 'utf8', timeout: 120000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('report in headless Chromium: the screenshot is not blank, the page text holds the counts', () => {
  if (!have('chromium')) throw new Error('chromium missing: make test-deps installs it');
  const page = path.join(tmp, 'report.html');
  fs.copyFileSync(path.join(FIX, 'expected-results.html'), page);
  const shot = path.join(tmp, 'report.png');
  const s = chromium(['--window-size=1280,1600', '--hide-scrollbars', `--screenshot=${shot}`, `file://${page}`]);
  assert.ok(fs.existsSync(shot), s.stderr);
  const st = inkStats(readPng(fs.readFileSync(shot)));
  assert.ok(st.colours >= 20, `only ${st.colours} colours: a blank page?`);
  assert.ok(st.ink > 0.05, `only ${(st.ink * 100).toFixed(1)}% of the page drawn`);
  const dom = chromium(['--dump-dom', `file://${page}`]);
  assert.is(dom.status, 0, dom.stderr);
  const text = dom.stdout.replace(/<[^>]+>/g, ' ').replace(/&amp;/g, '&').replace(/\s+/g, ' ');
  for (const want of ['4 hosts up', '5 open ports', '6 banners', '6 services identified', '2 TLS certificates', '14 records',
    '2 distinct certificates; 0 expired and 1 expiring within 30 days of the scan', 'self-signed: 1 of 2 (50.0%)', 'All 12 results.', '12 shown']) {
    assert.ok(text.includes(want), `page text lacks "${want}"`);
  }
});

test('report: the result table is capped and says so; counts still cover everything', () => {
  const recs = Array.from({ length: 50 }, (_, i) => JSON.stringify({ type: 'open', ip: `198.18.1.${i}`, port: 80, ttl: 64, time_us: 1700000000000000 + i })).join('\n') + '\n';
  const r = trawl(['fmt', '-o', 'report', '--report-rows', '10'], recs);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, 'The table lists the first 10 of 50 results (--report-rows 10)');
  assert.match(r.stdout, '<div class="card"><b>50</b><span>hosts up</span></div>');
  assert.is((r.stdout.match(/<tr><td>198\.18\.1\./g) ?? []).length, 10 + 20 /* top hosts */);
});

// The queries of trawl-fmt(1), as the page prints them.
function manQueries(): string[] {
  const page = fs.readFileSync(path.join(ROOT, 'man', 'trawl-fmt.1'), 'utf8');
  const sec = page.slice(page.indexOf('.SH QUERIES'), page.indexOf('.SH SIGNALS'));
  return [...sec.matchAll(/\.nf\n([\s\S]*?)\n\.fi/g)].map((m) => m[1].replace(/\\\(aq/g, "'").replace(/\\-/g, '-').replace(/\\\\/g, '\\'));
}

function sql(db: string, q: string): any[] {
  const r = spawnSync('sqlite3', ['-json', db, q], { encoding: 'utf8' });
  assert.is(r.status, 0, `${q}\n${r.stderr}`);
  return r.stdout.trim() ? JSON.parse(r.stdout) : [];
}

test('sqlite: two scans in one file, queried back with the documented queries (sqlite3 CLI)', () => {
  if (!have('sqlite3')) throw new Error('sqlite3 missing: make test-deps installs it');
  const db = path.join(tmp, 'scans.db');
  const now = Date.now() * 1000, day = 86400e6;
  const scan = (n: number, nginx: string) => [
    { type: 'scan', args: `trawl scan 198.18.0.0/24 -p 22,80,443 --seed ${n}`, ports: '22,80,443', nports: 3, seed: String(n), time_us: now + n * 1000 },
    { type: 'open', ip: '198.18.0.7', port: 80, sport: 40000, ttl: 64, window: 1, ipid: 2, options: 'mss', time_us: now + n * 1000 + 1 },
    { type: 'banner', ip: '198.18.0.7', port: 80, probe: 'http', data: Buffer.from(`HTTP/1.1 200 OK\r\nServer: nginx/${nginx}\r\n\r\n\x00\xff`, 'latin1').toString('base64'), len: 40, flags: 'PA',
      service: 'http', http_title: 'Welcome', product: 'nginx', version: nginx, cpe: [`cpe:/a:igor_sysoev:nginx:${nginx}`], time_us: now + n * 1000 + 2 },
    { type: 'banner', ip: '198.18.0.7', port: 22, probe: 'null', data: Buffer.from('SSH-2.0-OpenSSH_9.2p1\r\n').toString('base64'), len: 23, flags: 'PA',
      service: 'ssh', product: 'OpenSSH', version: '9.2p1', time_us: now + n * 1000 + 3 },
    { type: 'banner', ip: '198.18.0.8', port: 443, probe: 'tls', data: 'FgMD', len: 3, flags: 'PA', service: 'tls', tls_version: 'TLSv1.3',
      cert_sha256: 'cc'.repeat(32), cert_subject_cn: 'soon.example', cert_issuer_cn: 'R3', cert_key_type: 'ec', cert_not_after_us: now + 10 * day, cert_der: 'MAA=', time_us: now + n * 1000 + 4 },
    { type: 'banner', ip: '198.18.0.9', port: 443, probe: 'tls', data: 'FgMD', len: 3, flags: 'PA', service: 'tls',
      cert_sha256: 'dd'.repeat(32), cert_subject_cn: 'later.example', cert_issuer_cn: 'R3', cert_not_after_us: now + 100 * day, time_us: now + n * 1000 + 5 },
    { type: 'closed', ip: '198.18.0.9', port: 22, sport: 40001, ttl: 64, window: 0, ipid: 3, time_us: now + n * 1000 + 6 },
    { type: 'something-new', nested: { a: 1 } },
  ].map((r) => JSON.stringify(r)).join('\n') + '\n';
  for (const [n, v] of [[1, '1.22.1'], [2, '1.24.0']] as const) {
    const r = trawl(['fmt', '-o', `sqlite:${db}`], scan(n, v));
    assert.is(r.stderr, '');
    assert.is(r.code, 0);
  }
  const [changed, expiring, byPort, scans] = manQueries().map((q) => sql(db, q));
  assert.equal(changed, [{ ip: '198.18.0.7', port: 80, service: 'http', before: 'nginx 1.22.1', after: 'nginx 1.24.0' }]);
  assert.is(expiring.length, 1);
  assert.is(expiring[0].subject_cn, 'soon.example');
  assert.equal(byPort.map((r: any) => [r.port, r.service, r.n]).sort(), [[22, 'ssh', 1], [443, 'tls', 2], [80, 'http', 1]]);
  assert.equal(scans.map((s: any) => [s.id, s.args, s.records]), [[1, 'trawl scan 198.18.0.0/24 -p 22,80,443 --seed 1', 7], [2, 'trawl scan 198.18.0.0/24 -p 22,80,443 --seed 2', 7]]);
  // Bytes as blobs, the cpe list, other fields in extra, certificates once per fingerprint, indexes.
  assert.equal(sql(db, "SELECT hex(data) AS h FROM banner WHERE port = 80 AND scan_id = 1")[0].h,
    Buffer.from('HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n\r\n\x00\xff', 'latin1').toString('hex').toUpperCase());
  assert.equal(sql(db, "SELECT json_extract(cpe, '$[0]') AS c, json_extract(extra, '$.http_title') AS t FROM banner WHERE port = 80 AND scan_id = 2")[0],
    { c: 'cpe:/a:igor_sysoev:nginx:1.24.0', t: 'Welcome' });
  assert.equal(sql(db, 'SELECT count(*) AS n FROM certs')[0].n, 2);
  assert.equal(sql(db, 'SELECT count(*) AS n FROM other')[0].n, 2);
  assert.equal(sql(db, "SELECT hex(der) AS d FROM certs WHERE subject_cn = 'soon.example'")[0].d, '3000');
  const idx = sql(db, "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'").map((r: any) => r.name);
  for (const t of ['open', 'closed', 'unreachable', 'banner']) assert.ok(idx.includes(`${t}_ip`) && idx.includes(`${t}_port`), `indexes of ${t}`);
});

test('sqlite: rows go in several to a statement; every one lands, in order, with its values, across batch ends and scans', () => {
  const db = path.join(tmp, 'many.db');
  // 1,001 records in two scans: counts per table that are not multiples of the rows per statement.
  const recs: Record<string, unknown>[] = [];
  for (let s = 1; s <= 2; s++) {
    recs.push({ type: 'scan', args: `trawl scan --seed ${s}`, seed: String(s), time_us: s * 1e9 });
    for (let i = 0; i < 500; i++) {
      const ip = `198.18.${s}.${i % 256}`, t = s * 1e9 + i + 1;
      if (i % 3 === 0) recs.push({ type: 'banner', ip, port: 80 + (i >> 8), probe: 'http', data: Buffer.from(`b${i}`).toString('base64'), len: 2, flags: 'PA', validated: i % 2 === 0, note: `n${i}`, time_us: t });
      else if (i % 7 === 0) recs.push({ type: 'closed', ip, port: 22, window: 0, time_us: t });
      else recs.push({ type: 'open', ip, port: 80 + (i >> 8), sport: 40000 + i, ttl: 64, sack_ok: true, time_us: t });
    }
  }
  const r = trawl(['fmt', '-o', `sqlite:${db}`], recs.map((x) => JSON.stringify(x)).join('\n') + '\n');
  assert.is(r.code, 0, r.stderr);
  for (const t of ['open', 'closed', 'banner']) {
    const want = recs.filter((x) => x.type === t);
    const cols = t === 'banner' ? 'validated, CAST(data AS TEXT) AS data, extra' : t === 'open' ? 'sack_ok' : 'window';
    const got = sql(db, `SELECT scan_id, ip, port, time_us, ${cols} FROM ${t} ORDER BY rowid`);
    assert.is(got.length, want.length, t);
    got.forEach((g: any, i: number) => {
      const w = want[i];
      assert.equal([g.ip, g.port, g.time_us, g.scan_id], [w.ip, w.port, w.time_us, Math.floor((w.time_us as number) / 1e9)], `${t} row ${i}`);
      if (t === 'open') assert.is(g.sack_ok, 1);
      if (t === 'banner') {
        assert.equal([g.data, g.validated, JSON.parse(g.extra).note], [`b${(w.time_us as number) % 1e9 - 1}`, w.validated ? 1 : 0, w.note]);
      }
    });
  }
  assert.equal(sql(db, 'SELECT id, records FROM scans ORDER BY id').map((s: any) => [s.id, s.records]), [[1, 500], [2, 500]]);
});

test('sqlite: needs a FILE, and records without a scan record get a scans row of their own', () => {
  let r = trawl(['fmt', '-o', 'sqlite']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /-o sqlite needs a FILE/);
  const db = path.join(tmp, 'old.db');
  r = trawl(['fmt', '-o', `sqlite:${db}`, INPUT]);
  assert.is(r.code, 0, r.stderr);
  r = trawl(['fmt', '-o', `sqlite:${db}`, path.join(FIX, 'records.ndjson')]);
  assert.is(r.code, 0, r.stderr);
  const rows = sql(db, 'SELECT id, args, formatted_by FROM scans');
  assert.is(rows.length, 2);
  assert.is(rows[0].args, 'trawl scan 198.18.0.0/24 -p 22,80,443 --banners --seed 7');
  assert.is(rows[1].args, null);
  assert.match(rows[1].formatted_by, /^trawl fmt -o sqlite:/);
});

test("fmt reads its own list, grepable and XML back", () => {
  const own = (f: string) => trawl(['fmt', '-o', f, INPUT]).stdout;
  const list = own('list');
  assert.is(trawl(['fmt', '-o', 'list'], list).stdout, list);
  const grep = own('grepable');
  const hostLines = (s: string) => s.split('\n').filter((l) => l.startsWith('Host:'));
  const fromGrep = trawl(['fmt', '-o', 'grepable'], grep);
  assert.is(fromGrep.code, 0, fromGrep.stderr);
  // Filtered ports are not read back, and a service without a version column is the port table's.
  const want = hostLines(grep).filter((l) => !l.startsWith('Host: 198.18.0.10 ')).map((l) => l.replace(/ssl\|http/g, 'https'));
  assert.equal(hostLines(fromGrep.stdout), want);
  assert.match(fromGrep.stdout, /as: trawl scan 198\.18\.0\.0\/24 -p 22,80,443 --banners --seed 7\n# Ports scanned: TCP\(3;22,80,443\)\n/);
  const fromXml = trawl(['fmt', '-o', 'grepable'], own('xml'));
  assert.is(fromXml.code, 0, fromXml.stderr);
  assert.equal(hostLines(fromXml.stdout).filter((l) => !l.startsWith('Host: 198.18.0.10 ')), hostLines(grep).filter((l) => !l.startsWith('Host: 198.18.0.10 ')));
  const recs = lines(trawl(['fmt'], own('xml')).stdout);
  assert.equal(recs[0], { type: 'scan', args: 'trawl scan 198.18.0.0/24 -p 22,80,443 --banners --seed 7', nports: 3, ports: '22,80,443', time_us: 1700000000000000 });
  const ssh = recs.find((r) => r.type === 'banner' && r.port === 22);
  assert.is(Buffer.from(ssh.data, 'base64').toString(), 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n');
  assert.equal([ssh.product, ssh.version, ssh.info, ssh.os, ssh.cpe], ['OpenSSH', '9.2p1 Debian 2', 'protocol 2.0', 'Linux', ['cpe:/a:openbsd:openssh:9.2p1', 'cpe:/o:linux:linux_kernel']]);
});

test('an input fmt cannot read is said once, with what was expected; NDJSON lines in it still count', () => {
  const junk = Array.from({ length: 5000 }, (_, i) => `line ${i} of something else`).join('\n') + '\n{"type":"open","ip":"198.18.0.1","port":80}\n';
  const r = trawl(['fmt'], junk);
  assert.is(r.code, 3);
  assert.is(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr.slice(0, 500));
  assert.match(r.stderr, /^trawl fmt: stdin: not an input trawl reads \(expected trawl or masscan -oD NDJSON .*\); it starts with: line 0 of something else; skipping all but NDJSON lines\n$/);
  assert.equal(lines(r.stdout), [{ type: 'open', ip: '198.18.0.1', port: 80 }]);
  // --from overrides the recognition: an XML file read as a list is a list with bad lines.
  const x = trawl(['fmt', '--from', 'list', path.join(FIX, 'expected-results.xml')]);
  assert.is(x.code, 3);
  assert.match(x.stderr, /expected-results\.xml:1: not a masscan -oL line/);
  assert.match(trawl(['fmt', '--from', 'yaml']).stderr, /option --from: unknown input format 'yaml'/);
});

test('--rotate-size with grouping: every file near the size, complete, together every host', () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'rot-'));
  // 400 hosts, each an open port and a banner, all held by the default group window until the end.
  const recs: string[] = [];
  for (let i = 0; i < 400; i++) {
    const ip = `198.18.${i >> 8}.${i & 255}`;
    recs.push(JSON.stringify({ type: 'open', ip, port: 80, ttl: 64, time_us: 1700000000000000 + i }));
    recs.push(JSON.stringify({ type: 'banner', ip, port: 80, probe: 'http', data: Buffer.from(`HTTP/1.1 200 OK\r\nServer: x${i}\r\n\r\n`).toString('base64'), len: 30, service: 'http', product: 'x', version: String(i), time_us: 1700000000000500 + i }));
  }
  const r = trawl(['fmt', '--rotate-size', '8k', '-o', `xml:${dir}/scan.xml`, '-o', `json:${dir}/scan.json`, '-o', `grepable:${dir}/scan.gnmap`, '-o', `text:${dir}/scan.txt`], recs.join('\n') + '\n');
  assert.is(r.code, 0, r.stderr);
  const files = fs.readdirSync(dir);
  let hosts = 0, jsonHosts = 0;
  for (const f of files) {
    const p = path.join(dir, f), size = fs.statSync(p).size;
    assert.ok(size < 8192 + 1200, `${f}: ${size} bytes for an 8 KB limit`);
    if (f.endsWith('.xml')) { const v = xmlValid(p); assert.is(v.status, 0, v.stderr); hosts += (fs.readFileSync(p, 'utf8').match(/<host /g) ?? []).length; }
    if (f.endsWith('.json')) jsonHosts += JSON.parse(fs.readFileSync(p, 'utf8')).length;
    if (f.endsWith('.txt')) assert.match(fs.readFileSync(p, 'utf8'), /# trawl done at .*\n$/);
  }
  assert.ok(files.filter((f) => f.endsWith('.xml')).length >= 10, files.join(' '));
  assert.is(hosts, 400);
  assert.is(jsonHosts, 400);
});

test('--rotate 1s --rotate-dir: a complete file per interval, named as masscan names them', async () => {
  const out = fs.mkdtempSync(path.join(tmp, 'live-')), done = fs.mkdtempSync(path.join(tmp, 'done-'));
  const p = spawn(process.execPath, [TRAWL, 'fmt', '--rotate', '1s', '--rotate-dir', done, '--group-window', '0', '-o', `xml:${out}/live.xml`, '-o', `list:${out}/live.txt`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d) => { err += d; });
  const closed = new Promise<number | null>((res) => p.on('close', res));
  for (let i = 0; i < 30; i++) {
    p.stdin.write(JSON.stringify({ type: 'open', ip: `198.18.0.${i}`, port: 80, ttl: 64, time_us: Date.now() * 1000 }) + '\n');
    await new Promise((res) => setTimeout(res, 100));
  }
  p.stdin.end();
  assert.is(await closed, 0, err);
  assert.equal(fs.readdirSync(out), [], 'the last live file was moved too');
  const files = fs.readdirSync(done).sort();
  const xmls = files.filter((f) => f.endsWith('live.xml')), txts = files.filter((f) => f.endsWith('live.txt'));
  assert.ok(xmls.length >= 2, files.join(' '));
  for (const f of files) assert.match(f, /^\d{6}-\d{6}-live(\.\d+)?\.(xml|txt)$/);
  let hosts = 0, opens = 0;
  for (const f of xmls) { const v = xmlValid(path.join(done, f)); assert.is(v.status, 0, v.stderr); hosts += (fs.readFileSync(path.join(done, f), 'utf8').match(/<host /g) ?? []).length; }
  for (const f of txts) { const t = fs.readFileSync(path.join(done, f), 'utf8'); assert.ok(t.startsWith('#masscan\n') && t.endsWith('# end\n')); opens += (t.match(/^open /gm) ?? []).length; }
  assert.is(hosts, 30);
  assert.is(opens, 30);
});

test.after(() => { fs.rmSync(tmp, { recursive: true, force: true }); });
test.run();
