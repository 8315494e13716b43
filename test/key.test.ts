// trawl key: a fresh 128-bit key, mode 0600, never silently replaced, never half-written, never
// written through a symlink; blast and catch refuse a key others can read or own (played by an
// unprivileged user created here).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { isRoot, sh, trawl } from './helpers';
import { readKeyFile } from '../shared/key';
import { asUser, makeUser, trawlAs } from './users';
import * as P from './packets';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-key-'));
fs.chmodSync(dir, 0o755);
const shared = path.join(dir, 'shared');
fs.mkdirSync(shared); fs.chmodSync(shared, 0o1777);
const user = makeUser('key');
const pcap = path.join(dir, 'empty.pcap');
fs.writeFileSync(pcap, P.pcapFile([]));
test.after(() => { user?.remove(); fs.rmSync(dir, { recursive: true, force: true }); });

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
  fs.writeFileSync(f, 'not a key\n', { mode: 0o600 });
  assert.throws(() => readKeyFile(f), /bad: not a trawl key/);
  assert.throws(() => readKeyFile(path.join(dir, 'missing')), /--key-file .*missing: .*no such file/i);
});

test('trawl key - writes the key to stdout (no file named -)', () => {
  const r = trawl(['key', '-'], undefined, { cwd: dir });
  assert.equal([r.code, r.stderr], [0, '']);
  assert.match(r.stdout, /^[0-9a-f]{32}\n$/);
  assert.not.ok(fs.existsSync(path.join(dir, '-')));
});

const keyOf = (f: string) => ['--pcap', pcap, '--key-file', f];

test('catch and blast refuse a key readable by group or others, naming the chmod that fixes it', () => {
  const f = path.join(dir, 'open.key');
  fs.writeFileSync(f, '00112233445566778899aabbccddeeff\n', { mode: 0o644 });
  fs.chmodSync(f, 0o644);
  const why = `--key-file ${f}: mode 0644 gives group or others access (a key must be readable by you alone: run chmod 600 ${f})\n`;
  const c = trawl(['catch', ...keyOf(f)]);
  assert.equal([c.code, c.stdout, c.stderr], [1, '', `trawl catch: ${why}`]);
  const b = trawl(['blast', '--key-file', f, '--pcap', path.join(dir, 'x.pcap'), '--source-ip', '198.19.0.1'], '');
  assert.equal([b.code, b.stdout, b.stderr], [1, '', `trawl blast: ${why}`]);
  fs.chmodSync(f, 0o600);
  const ok = trawl(['catch', ...keyOf(f), '-q']);
  assert.equal([ok.code, ok.stdout, ok.stderr], [0, '', ''], 'accepted after the chmod');
  // A pipe of ours (mode 0600) is a private file too.
  const piped = sh(`$TRAWL catch --pcap ${pcap} --key-file <(cat ${f}) -q`);
  assert.equal([piped.code, piped.stdout, piped.stderr], [0, '', '']);
});

test('a key owned by another user (written by their trawl key) is refused with the chown that fixes it', () => {
  if (!isRoot || !user) { console.log('  (skipped: needs root to create a user)'); return; }
  const f = path.join(shared, 'their.key');
  const k = trawlAs(user, ['key', f]);
  assert.equal([k.code, k.stdout, k.stderr], [0, '', '']);
  assert.is(fs.statSync(f).uid, user.uid);
  assert.is(fs.statSync(f).mode & 0o777, 0o600);
  const c = trawl(['catch', ...keyOf(f)]);
  assert.equal([c.code, c.stdout, c.stderr], [1, '', `trawl catch: --key-file ${f}: owned by ${user.name} (uid ${user.uid}), ` +
    `not by you (root (uid 0)) (its owner can read or replace the key: run chown root ${f}, or make a new key with trawl key FILE)\n`]);
});

test('key --force over a planted symlink replaces the link, never writes through it', () => {
  if (!isRoot || !user) { console.log('  (skipped: needs root to create a user)'); return; }
  const victim = path.join(dir, 'victim');
  fs.writeFileSync(victim, 'precious\n', { mode: 0o644 });
  const link = path.join(shared, 'scan.key');
  assert.is(asUser(user, ['ln', '-s', victim, link]).code, 0);
  const no = trawl(['key', link]);
  assert.equal([no.code, no.stdout, no.stderr], [2, '', `trawl key: ${link}: key file exists (use --force to replace it)\n`]);
  const r = trawl(['key', '--force', link]);
  assert.equal([r.code, r.stdout, r.stderr], [0, '', '']);
  assert.is(fs.readFileSync(victim, 'utf8'), 'precious\n');
  assert.is(fs.statSync(victim).mode & 0o777, 0o644, 'the target\'s mode untouched');
  const st = fs.lstatSync(link);
  assert.ok(st.isFile(), 'the link itself was replaced');
  assert.equal([st.uid, st.mode & 0o777], [0, 0o600]);
  assert.is(readKeyFile(link).length, 16);
  // A dangling link: not followed either, nothing created at its target.
  const dangling = path.join(shared, 'dangling.key');
  assert.is(asUser(user, ['ln', '-s', path.join(dir, 'made-through-link'), dangling]).code, 0);
  assert.is(trawl(['key', dangling]).code, 2);
  assert.not.ok(fs.existsSync(path.join(dir, 'made-through-link')));
});

test('key --force over another user\'s file: the new key is ours (0600), and they cannot read it', () => {
  if (!isRoot || !user) { console.log('  (skipped: needs root to create a user)'); return; }
  const f = path.join(shared, 'was-theirs.key');
  assert.is(trawlAs(user, ['key', f]).code, 0);
  fs.chmodSync(f, 0o644);
  const before = fs.readFileSync(f, 'utf8');
  const r = trawl(['key', '--force', f]);
  assert.equal([r.code, r.stdout, r.stderr], [0, '', '']);
  const st = fs.statSync(f);
  assert.equal([st.uid, st.gid, st.mode & 0o777], [0, 0, 0o600]);
  assert.is.not(fs.readFileSync(f, 'utf8'), before);
  const cat = asUser(user, ['cat', f]);
  assert.is(cat.code, 1);
  assert.match(cat.stderr, /Permission denied/);
  assert.equal(fs.readdirSync(shared).filter((n) => n.endsWith('.tmp')), [], 'no temporary file left');
});

test('a full disk leaves the old key whole (and no new or temporary file): tmpfs of 8 KiB in a private mount namespace', () => {
  if (!isRoot) { console.log('  (skipped: needs root to mount)'); return; }
  const mnt = path.join(dir, 'small');
  fs.mkdirSync(mnt);
  const old = '00112233445566778899aabbccddeeff';
  const r = sh(`unshare -m --propagation private bash -c '
    mount -t tmpfs -o size=8k trawl-key-test ${mnt} || exit 99
    printf "${old}\\n" > ${mnt}/k && chmod 600 ${mnt}/k
    head -c 65536 /dev/zero > ${mnt}/fill 2>/dev/null
    $TRAWL key --force ${mnt}/k; echo "force $?"
    cat ${mnt}/k
    $TRAWL key ${mnt}/new; echo "new $?"
    ls -A ${mnt}'`);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `force 1\n${old}\nnew 1\nfill\nk\n`);
  assert.is(r.stderr, `trawl key: ${mnt}/k: no space left on device\ntrawl key: ${mnt}/new: no space left on device\n`);
  assert.is(spawnSync('mountpoint', ['-q', mnt]).status, 32, 'the mount stayed in its namespace (32: not a mount point here)');
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
