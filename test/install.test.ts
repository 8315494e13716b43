// make install into a staging root (DESTDIR): man finds the pages, the installed trawl runs as the
// built one does, the bash completion offers every command and every option of every table, and
// make uninstall takes back every file it put.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync, SpawnSyncOptions } from 'child_process';
import { ROOT, trawl } from './helpers';
import { commandNames, loadCommand } from '../shared/commands';
import { completionWords } from '../shared/completion';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-install-'));
const DESTDIR = path.join(dir, 'root');
const PREFIX = path.join(DESTDIR, 'usr', 'local');
const COMPLETION = path.join(PREFIX, 'share', 'bash-completion', 'completions', 'trawl');
// The installed trawl finds node as a user's shell does: on PATH.
const PATH = `${path.join(PREFIX, 'bin')}:${path.dirname(process.execPath)}:${process.env.PATH}`;
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...opts });
  return { code: r.status ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

function make(target: string) {
  // test/run.sh sets NO_COLOR and FORCE_COLOR together, which node (run by the Makefile) warns of.
  const { NO_COLOR: _n, FORCE_COLOR: _f, ...env } = process.env;
  return run('make', ['-s', '-C', ROOT, target, `DESTDIR=${DESTDIR}`, 'PREFIX=/usr/local'], { env });
}

/** Files and symbolic links under the staging root, relative to it. */
function installed(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p); else out.push(path.relative(DESTDIR, p));
    }
  };
  if (fs.existsSync(DESTDIR)) walk(DESTDIR);
  return out.sort();
}

/** What the installed completion offers for the words typed so far (the last one being completed),
 *  calling the function that `complete -p trawl` names, as bash does on TAB. */
function complete(words: string[], cwd = dir): string[] {
  const script = 'source "$0" || exit 9; spec=$(complete -p trawl) || exit 8; fn=${spec##*-F }; fn=${fn%% *}; ' +
    'COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; ' +
    '"$fn" trawl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"; printf "%s\\n" "${COMPREPLY[@]}"';
  const r = run('bash', ['--norc', '--noprofile', '-c', script, COMPLETION, ...words], { cwd });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, '');
  return r.stdout.split('\n').filter(Boolean).sort();
}

test('make install puts the command, the man pages and the completion under DESTDIR', () => {
  const r = make('install');
  assert.equal([r.code, r.stderr], [0, ''], r.stderr);
  const files = installed();
  for (const f of ['usr/local/bin/trawl', 'usr/local/share/man/man1/trawl.1', 'usr/local/share/man/man1/trawl-scan.1',
    'usr/local/share/man/man7/trawl.7', 'usr/local/share/man/man7/trawl-probes.7',
    'usr/local/share/bash-completion/completions/trawl', 'usr/local/lib/trawl/native/build/Release/trawl_native.node']) {
    assert.ok(files.includes(f), `${f} not installed`);
  }
  assert.not.ok(files.some((f) => f.startsWith('usr/local/lib/trawl/dist/test/')), 'the tests are installed');
  // A link relative to its own directory: right under DESTDIR and after the tree is moved.
  assert.is(fs.readlinkSync(path.join(PREFIX, 'bin', 'trawl')), '../lib/trawl/dist/shared/main.js');
});

test('man -w finds trawl(1), trawl-scan(1) and trawl(7) in the installed tree', () => {
  const env = { ...process.env, MANPATH: path.join(PREFIX, 'share', 'man') };
  const man = path.join(PREFIX, 'share', 'man');
  for (const [args, page] of [[['trawl'], 'man1/trawl.1'], [['trawl-scan'], 'man1/trawl-scan.1'], [['7', 'trawl'], 'man7/trawl.7'],
    [['trawl-completion'], 'man1/trawl-completion.1']] as const) {
    const r = run('man', ['-w', ...args], { env });
    assert.equal([r.code, r.stdout, r.stderr], [0, path.join(man, page) + '\n', ''], `man -w ${args.join(' ')}`);
  }
});

test('every man page is installed and listed in package.json (npm install -g installs them too)', () => {
  const pages = fs.readdirSync(path.join(ROOT, 'man')).filter((f) => /\.[17]$/.test(f)).sort();
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  assert.equal([...pkg.man].map((m: string) => path.basename(m)).sort(), pages);
  assert.equal(pkg.bin, { trawl: 'dist/shared/main.js' });
  for (const p of pages) assert.ok(fs.existsSync(path.join(PREFIX, 'share', 'man', `man${p.slice(-1)}`, p)), p);
});

test('the installed trawl, found on PATH, writes what the built one writes', () => {
  const args = ['targets', '198.18.0.0/30', '-p', '80,443', '--seed', '1'];
  const want = trawl(args);
  assert.is(want.code, 0);
  const got = run('trawl', args, { env: { ...process.env, PATH } });
  assert.equal(got, want);
  const v = run('trawl', ['--version'], { env: { ...process.env, PATH } });
  assert.equal(v, trawl(['--version']));
});

test('the installed trawl loads its native module, re2 (banners) and better-sqlite3 (fmt -o sqlite)', () => {
  const env = { ...process.env, PATH };
  const key = path.join(dir, 'key'), pcap = path.join(dir, 'syns.pcap');
  assert.is(run('trawl', ['key', key], { env }).code, 0);
  const targets = trawl(['targets', '198.18.0.0/30', '-p', '80', '--seed', '1']).stdout;
  const blast = run('trawl', ['blast', '-q', '--key-file', key, '--pcap', pcap, '--source-ip', '198.18.1.1', '--router-mac', '02:00:00:00:00:01'],
    { env, input: targets });
  assert.equal([blast.code, blast.stderr], [0, '']);
  assert.ok(fs.statSync(pcap).size > 24 + 4 * (16 + 54), 'a pcap header and four SYNs');
  const want = trawl(['banners', '--no-service-probes']);
  assert.equal(run('trawl', ['banners', '--no-service-probes'], { env, input: '' }), want);
  const db = path.join(dir, 'out.db');
  const fmt = run('trawl', ['fmt', '-q', '-o', `sqlite:${db}`], { env, input: targets });
  assert.equal([fmt.code, fmt.stderr], [0, '']);
  assert.ok(fs.statSync(db).size > 0);
});

test('completion: the command names after trawl', () => {
  assert.equal(complete(['trawl', '']), [...commandNames(), '--help', '--version'].sort());
  assert.equal(complete(['trawl', 'ta']), ['targets']);
});

test('completion: every option in every command\'s table, long and nmap-style (-iL)', () => {
  for (const name of commandNames()) {
    const { info } = loadCommand(name)!;
    const want = info.options.flatMap(completionWords).sort();
    assert.ok(want.includes('--help'));
    assert.equal(complete(['trawl', name, '-']), want, name);
  }
  assert.equal(complete(['trawl', 'targets', '--exclude-']), ['--exclude-file', '--exclude-ports']);
  assert.equal(complete(['trawl', 'scan', '-i']), ['-iL']);
});

test('completion: file names after an option taking a FILE, in both forms; nothing after other values', () => {
  const cwd = fs.mkdtempSync(path.join(dir, 'cwd-'));
  fs.writeFileSync(path.join(cwd, 'scan.key'), '');
  fs.writeFileSync(path.join(cwd, 'ranges.txt'), '');
  assert.equal(complete(['trawl', 'blast', '--key-file', 's'], cwd), ['scan.key']);
  assert.equal(complete(['trawl', 'catch', '--key-file', '=', ''], cwd), ['ranges.txt', 'scan.key']);
  assert.equal(complete(['trawl', 'scan', '-iL', 'r'], cwd), ['ranges.txt']);
  assert.equal(complete(['trawl', 'merge', ''], cwd), ['ranges.txt', 'scan.key']);
  assert.equal(complete(['trawl', 'scan', '-p', ''], cwd), []);
  assert.equal(complete(['trawl', 'blast', '--rate', ''], cwd), []);
});

test('make uninstall leaves no file behind', () => {
  assert.ok(installed().length > 0);
  const r = make('uninstall');
  assert.equal([r.code, r.stderr], [0, ''], r.stderr);
  assert.equal(installed(), []);
});

test.run();
