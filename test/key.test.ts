// trawl key: a fresh 128-bit key, mode 0600, never silently replaced.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { trawl } from './helpers';
import { readKeyFile } from '../shared/key';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-key-'));

test('writes 32 hex digits with mode 0600, readable by the key reader', () => {
  const f = path.join(dir, 'k');
  const r = trawl(['key', f]);
  assert.equal([r.code, r.stdout, r.stderr], [0, '', '']);
  assert.is(fs.statSync(f).mode & 0o777, 0o600);
  assert.match(fs.readFileSync(f, 'utf8'), /^[0-9a-f]{32}\n$/);
  assert.is(readKeyFile(f).length, 16);
});

test('refuses to replace a key without --force, replaces with it', () => {
  const f = path.join(dir, 'k2');
  trawl(['key', f]);
  const before = fs.readFileSync(f, 'utf8');
  const r = trawl(['key', f]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /^trawl key: .*k2: key file exists \(use --force to replace it\)\n$/);
  assert.is(fs.readFileSync(f, 'utf8'), before);
  assert.is(trawl(['key', '--force', f]).code, 0);
  assert.is.not(fs.readFileSync(f, 'utf8'), before);
});

test('without FILE prints a key on stdout; two keys differ', () => {
  const a = trawl(['key']), b = trawl(['key']);
  assert.match(a.stdout, /^[0-9a-f]{32}\n$/);
  assert.is.not(a.stdout, b.stdout);
});

test('a malformed key file is a usage error naming the file', () => {
  const f = path.join(dir, 'bad');
  fs.writeFileSync(f, 'not a key\n');
  assert.throws(() => readKeyFile(f), /bad: not a trawl key/);
  assert.throws(() => readKeyFile(path.join(dir, 'missing')), /--key-file .*missing: .*no such file/i);
});

test('unknown commands and flags are usage errors', () => {
  const r = trawl(['nosuch']);
  assert.equal([r.code, r.stderr], [2, "trawl: unknown command 'nosuch' (see trawl --help)\n"]);
  const h = trawl(['--help']);
  assert.is(h.code, 0);
  assert.match(h.stdout, /^usage: trawl <command>/);
  assert.match(h.stdout, /\n  key +write a new secret key/);
});

test.run();
