// The --probe-file format: raw bytes verbatim, the #trawl-probe text form with escapes and {ip},
// and bad files refused with FILE:LINE and a reason.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseProbeFile, readProbeFile, renderPayload } from '../shared/probes';
import { UsageError } from '../shared/exit';

const FIX = 'test/fixtures/probes';
const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');
const parseText = (s: string, file = 'p.txt') => parseProbeFile(Buffer.from(s, 'utf8'), file);
const err = (f: () => unknown): string => {
  try { f(); } catch (e) { assert.instance(e, UsageError); return (e as Error).message; }
  throw new Error('expected a UsageError');
};

test('raw file: bytes verbatim, {ip} is not special', () => {
  const p = readProbeFile(`${FIX}/raw.bin`);
  assert.is(p.after, undefined);
  assert.equal([...p.before], [...fs.readFileSync(`${FIX}/raw.bin`)]);
  assert.is(text(renderPayload(p, '1.2.3.4')), '\x00\x01binary{ip}\xff');
});

test('text form: comments skipped, line breaks are layout, escapes, one {ip}', () => {
  const p = readProbeFile(`${FIX}/head.txt`);
  assert.is(text(renderPayload(p, '198.18.3.4')), 'HEAD / HTTP/1.0\r\nHost: 198.18.3.4\r\n\r\n');
  assert.equal([...readProbeFile(`${FIX}/hex.txt`).before], [0x16, 0x03, 0x01, 0x00, 0x00]);
  assert.is(text(parseText('#trawl-probe\r\nA\\tB\\0\\\\\\{ip}\\x7e\\xFF\r\n').before), 'A\tB\0\\{ip}~\xff');
  assert.is(text(parseText('#trawl-probe\n  spaces kept  \n').before), '  spaces kept  ');
  assert.equal([...parseText('#trawl-probe\né€\n').before], [...Buffer.from('é€', 'utf8')]);
  assert.equal([...parseText('#trawl-probe\n\u{1F600}\n').before], [...Buffer.from('\u{1F600}', 'utf8')]);
  const t = parseText('#trawl-probe\n{ip}\n');
  assert.is(t.before.length, 0); assert.is(t.after!.length, 0);
  assert.is(text(renderPayload(t, '9.9.9.9')), '9.9.9.9');
});

test('a file that does not start with #trawl-probe is raw even if it looks like text', () => {
  assert.is(text(parseText('GET / HTTP/1.0\\r\\n{ip}').before), 'GET / HTTP/1.0\\r\\n{ip}');
  assert.is(text(parseText(' #trawl-probe\nx').before), ' #trawl-probe\nx');
});

test('bad files: FILE:LINE and the reason', () => {
  assert.is(err(() => readProbeFile(`${FIX}/bad-escape.txt`)), `${FIX}/bad-escape.txt:3: unknown escape \\q (use \\r \\n \\t \\0 \\\\ \\{ or \\xNN)`);
  assert.is(err(() => readProbeFile(`${FIX}/bad-hex.txt`)), `${FIX}/bad-hex.txt:2: \\x needs two hex digits, got '4'`);
  assert.is(err(() => readProbeFile(`${FIX}/two-ip.txt`)), `${FIX}/two-ip.txt:4: a second {ip} (one placeholder per probe; write \\{ip} for the text)`);
  assert.is(err(() => parseText('#trawl-probe\nabc\\\n')), 'p.txt:2: backslash at the end of the line (write \\\\ for a backslash)');
  assert.is(err(() => parseText('#trawl-probe\n# only a comment\n')), 'p.txt: empty probe (use --probe null for services that speak first)');
  assert.is(err(() => parseProbeFile(new Uint8Array(0), 'e.bin')), 'e.bin: empty probe (use --probe null for services that speak first)');
  assert.is(err(() => readProbeFile(`${FIX}/missing.bin`)), `${FIX}/missing.bin: cannot read probe file: no such file`);
});

test('length budget: 1400 bytes, counting 41 for the address where {ip} is (IPv6 in brackets)', () => {
  assert.is(parseProbeFile(new Uint8Array(1400), 'max.bin').before.length, 1400);
  assert.is(err(() => parseProbeFile(new Uint8Array(1401), 'big.bin')), 'big.bin: probe is 1401 bytes, more than 1400');
  assert.ok(parseText('#trawl-probe\n' + 'a'.repeat(1359) + '{ip}\n'));
  assert.is(err(() => parseText('#trawl-probe\n' + 'a'.repeat(1360) + '{ip}\n')), 'p.txt: probe is 1401 bytes with the longest address, more than 1400');
  const longest = parseText('#trawl-probe\n' + 'a'.repeat(1359) + '{ip}\n');
  assert.is(renderPayload(longest, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff').length, 1400);
});

test('a directory is refused with the file name', () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-probes-'));
  try { assert.match(err(() => readProbeFile(d)), `${d}: cannot read probe file: `); } finally { fs.rmdirSync(d); }
});

test.run();
