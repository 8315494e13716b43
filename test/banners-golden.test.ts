// Golden test: every captured fixture through the real `trawl banners`, stdout compared with a stored file.
// After an intended change: UPDATE_GOLDEN=1 bash test/run.sh, then review the diff of the .ndjson file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT, trawl } from './helpers';

const DIR = path.join(ROOT, 'test', 'fixtures', 'banners');
const GOLDEN = path.join(DIR, 'golden.ndjson');
// The trawl probe that elicited each fixture, from its name's first word.
const PROBE: Record<string, string> = { http: 'http', tls: 'tls', tls12: 'tls', tls13: 'tls', redis: 'redis', memcached: 'memcached', mqtt: 'mqtt', postgres: 'postgres', smb2: 'smb' };

function input(): string {
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.bin')).sort();
  return files.map((f, i) => JSON.stringify({
    type: 'banner', ip: `198.18.0.${i + 1}`, port: 10000 + i, sport: 40000 + i, ttl: 64, time_us: 1763800000000000 + i,
    probe: PROBE[f.split('-')[0]] ?? 'null', data: fs.readFileSync(path.join(DIR, f)).toString('base64'), len: fs.statSync(path.join(DIR, f)).size,
    flags: 'PA', fixture: f,
  }) + '\n').join('');
}

// Without nmap's rules, so the golden is the parsers' own and does not depend on nmap being installed.
test('every fixture: trawl banners output equals test/fixtures/banners/golden.ndjson', () => {
  const r = trawl(['banners', '--no-service-probes'], input());
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  if (process.env.UPDATE_GOLDEN === '1') fs.writeFileSync(GOLDEN, r.stdout);
  assert.fixture(r.stdout, fs.readFileSync(GOLDEN, 'utf8'));
  // No banner of the fixtures is left unknown.
  for (const line of r.stdout.trim().split('\n')) assert.is.not(JSON.parse(line).service, 'unknown', line.slice(0, 200));
});

// The service schema is one table, in man/trawl.7: the fields every parser's description and
// nmap's rules fill must be its rows, and every row must be filled by someone.
test('service fields: what banners fills is the table of trawl(7), no more, no less', () => {
  const page = fs.readFileSync(path.join(ROOT, 'man', 'trawl.7'), 'utf8');
  const sec = page.slice(page.indexOf('.SS Service fields'), page.indexOf('.SS scan'));
  const documented = [...sec.matchAll(/^\.TP\n\.B (\w+)$/gm)].map((m) => m[1]);
  const { SERVICE_FIELDS } = require('../shared/parsers/service');
  assert.equal(documented, ['service', ...SERVICE_FIELDS]);
  const r = trawl(['banners', '--no-service-probes'], input());
  const seen = new Set<string>();
  for (const line of r.stdout.trim().split('\n')) {
    const rec = JSON.parse(line);
    for (const k of Object.keys(rec)) if ((documented as string[]).includes(k)) seen.add(k);
  }
  for (const k of ['service', 'product', 'version', 'info', 'hostname', 'os']) assert.ok(seen.has(k), `no parser fills ${k}`);
});

test.run();
