// nmap's rules on trawl's engines (RE2, the backtracker) against Perl's regex engine, PCRE's model: same matches, same groups.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { ROOT } from './helpers';
import { PROBE_MAP, ServiceProbes } from '../shared/service-probes';
import { parseProbesFile } from '../shared/service-probes/file';
import { fill } from '../shared/service-probes/template';

const NMAP = '/usr/share/nmap/nmap-service-probes';
const DIR = path.join(ROOT, 'test', 'fixtures', 'banners');
const PROBE: Record<string, string> = { http: 'http', tls: 'tls', tls12: 'tls', tls13: 'tls', redis: 'redis', memcached: 'memcached', mqtt: 'mqtt', postgres: 'postgres', smb2: 'smb' };

// Ordinary banners beyond the fixtures, reaching rules the backtracker runs (lookaheads,
// backreferences, lookbehind) and the ones with $ and \b.
const EXTRA: [string, string][] = [
  ['http', 'HTTP/1.1 200 OK\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\nServer: lighttpd/1.4.59\r\nContent-Length: 0\r\n\r\n'],
  ['http', 'HTTP/1.0 404 Not Found\r\nServer: WEBrick/1.4.2 (Ruby/2.7.0/2019-12-25)\r\n\r\n'],
  ['http', 'HTTP/1.1 401 Unauthorized\r\nServer: Mikrotik HttpProxy\r\nContent-Type: text/html\r\n\r\n'],
  ['null', '+OK mail.example.com CommuniGate Pro POP3 Server 6.3.1 ready <1234.5678@mail.example.com>\r\n'],
  ['null', '+OK AXIGEN POP3 server on mx.example.org ready <12-34@mx.example.org>\r\n'],
  ['null', 'SSH-2.0-dropbear_2020.81\r\n'],
  ['null', '220 mail.example.com ESMTP Postfix (Debian/GNU)\r\n'],
  ['null', '220 ProFTPD 1.3.5 Server (Debian) [::ffff:10.0.0.1]\r\n'],
  ['null', '* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE STARTTLS AUTH=PLAIN] Dovecot ready.\r\n'],
  ['null', 'x\nIOS (tm) C2600 Software (C2600-I-M), Version 12.2(1), RELEASE SOFTWARE\n, '],
  ['null', 'Agent Ready v1.2.3...[abc]\r\nGET / HTTP/1.0 501 command not implemented ERROR\r\n 501 command not implemented ERROR\r\n'],
];

function banners(): { probe: string; data: Buffer; name: string }[] {
  const out = fs.readdirSync(DIR).filter((f) => f.endsWith('.bin')).sort()
    .map((f) => ({ probe: PROBE[f.split('-')[0]] ?? 'null', data: fs.readFileSync(path.join(DIR, f)), name: f }));
  for (const [probe, s] of EXTRA) out.push({ probe, data: Buffer.from(s, 'latin1'), name: JSON.stringify(s.slice(0, 40)) });
  return out;
}

/** Perl's matches: "<banner> <line>" -> groups 1..n as hex ('-' for a group that did not take part). */
function oracle(list: Buffer[]): Map<string, string[]> {
  const r = spawnSync('perl', [path.join(ROOT, 'test', 'pcre-oracle.pl'), NMAP], { input: list.map((b) => b.toString('hex') + '\n').join(''), maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`perl: ${r.stderr}`);
  assert.is(String(r.stderr), '', 'Perl compiles every rule');
  const m = new Map<string, string[]>();
  for (const l of String(r.stdout).trim().split('\n')) {
    const [b, line, ...g] = l.split(' ');
    m.set(`${b} ${line}`, g.map((x) => (x === '=' ? '' : x)));
  }
  return m;
}

const hex = (g: string | undefined) => (g === undefined ? '-' : Buffer.from(g, 'latin1').toString('hex'));

const list = banners();
const perl = oracle(list.map((b) => b.data));
const sp = ServiceProbes.fromFile(NMAP);
const gaveUp: number[] = [];
sp.onGiveUp = (r) => gaveUp.push(r.line);
const lines = parseProbesFile(fs.readFileSync(NMAP, 'latin1')).filter((p) => p.protocol === 'TCP').flatMap((p) => p.rules.map((r) => r.line));

test('every TCP rule of nmap\'s file, on every banner: matches exactly when Perl matches, with the same groups', () => {
  let compared = 0, matches = 0;
  const wrong: string[] = [];
  list.forEach((b, i) => {
    for (const line of lines) {
      const want = perl.get(`${i} ${line}`);
      const got = sp.execRule(line, new Uint8Array(b.data));
      compared++;
      if (want) matches++;
      const g = got && got.slice(1).map(hex);
      if ((want === undefined) !== (got === null) || (want && g!.join(' ') !== want.join(' '))) {
        wrong.push(`${b.name} line ${line}: perl ${want ? want.join(' ') || 'match' : 'none'}, trawl ${g ? g.join(' ') || 'match' : 'none'}`);
      }
    }
  });
  assert.equal(wrong.slice(0, 10), [], `${wrong.length} disagreements`);
  assert.ok(compared > 300_000, String(compared));
  assert.ok(matches >= list.length, `only ${matches} matches: the comparison would not see a wrong group`);
  assert.equal(gaveUp, [], 'no rule given up on an ordinary banner');
});

test('each banner\'s chain: the first hard match (service, product, version, CPE) is the one PCRE gives', () => {
  list.forEach((b, i) => {
    const got = sp.match(new Uint8Array(b.data), b.probe);
    let want: Record<string, unknown> | null = null, soft: Record<string, unknown> | null = null;
    found: for (const p of sp.chain(b.probe)) {
      for (const r of p.def.rules) {
        const g = perl.get(`${i} ${r.line}`);
        if (!g) continue;
        if (r.soft) { soft ??= { nmap_service: r.service, nmap_line: r.line }; continue; }
        const groups = ['', ...g.map((x) => (x === '-' ? undefined : Buffer.from(x, 'hex').toString('latin1')))];
        const f: Record<string, unknown> = { nmap_service: r.service, nmap_line: r.line };
        for (const t of r.templates) if (t.key === 'p' || t.key === 'v') { const v = fill(t.value, groups); if (v) f[t.key] = v; }
        want = f;
        break found;
      }
    }
    want ??= soft;
    const have: Record<string, unknown> | null = got && { nmap_service: got.nmap_service, nmap_line: got.nmap_line };
    if (have && got!.nmap_product !== undefined) have.p = got!.nmap_product;
    if (have && got!.nmap_version !== undefined) have.v = got!.nmap_version;
    assert.equal(have, want, b.name);
  });
  assert.ok(PROBE_MAP.size > 5);
});

test.run();
