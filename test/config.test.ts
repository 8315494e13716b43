// Config files (-c FILE) and --echo for every command: round trips, precedence, every error
// (FILE:LINE and what is wrong), and the refusal of a file another user could have written.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isRoot, ROOT, trawl } from './helpers';
import { CommandInfo, parseArgs, Parsed, wasGiven } from '../shared/args';
import { applyConfig } from '../shared/config';
import { commandNames, loadCommand } from '../shared/commands';
import { expandOutputFlags } from '../shared/formats/options';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-config-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
/** A config file of ours, mode 0600 unless told. */
function conf(text: string, mode = 0o600): string {
  const f = path.join(dir, `c${n++}.conf`);
  fs.writeFileSync(f, text, { mode });
  fs.chmodSync(f, mode);
  return f;
}
const noComments = (s: string) => s.split('\n').filter((l) => l && !l.startsWith('#')).join('\n') + '\n';

/** The options and which were given, as the command parses them (scan and fmt expand -oX first). */
function parsed(info: CommandInfo, argv: string[]): { opts: Parsed; given: string[] } {
  let opts = parseArgs(info, expandOutputFlags(argv));
  if (opts.conf.length) opts = applyConfig(info, opts, opts.conf);
  const { conf: _c, echo: _e, ...rest } = opts;
  return { opts: rest as Parsed, given: info.options.filter((o) => o.name !== 'conf' && wasGiven(opts, o.name)).map((o) => o.name) };
}

// A mix of option types for each: lists (repeated, comma-taking), aliases, nmap words,
// booleans (one a --no- name), numbers with suffixes, strings that start with a dash, arguments.
const ROUND_TRIPS: [string, string[]][] = [
  ['scan', ['10.0.0.0/24', '-p', '80,443', '-p-1024', '--excludefile', '/x/ex.conf', '--exclude', '10.0.0.1', '-iL', '/x/in.txt',
    '--max-rate', '10k', '-e', 'eth9', '--banners', '--no-rst', '--seed', '42', '-oX', '/x/out.xml', '-o', 'json:/x/o.json',
    '--cooldown', '2.5', '192.0.2.0/28', '-q']],
  ['targets', ['-p', 'U:53,T:22', '10.1.0.0/16', '--exclude', '10.1.2.0/24', '--exclude', '10.1.3.4', '--seed', '0x10',
    '--shard', '2/4', '-n', '1e3', '--no-reserved', '2001:db8::/120']],
  ['blast', ['--key-file', '/x/key', '-i', 'eth0', '--rate', '1.5M', '--attempts', '2', '-G', '02:00:00:00:00:01',
    '--source-ip', '192.0.2.7', '--source-ip', '2001:db8::7', '--allow-special', '--status-ndjson']],
  ['fmt', ['-o', 'xml:/x/a.xml', '-oG', '/x/a.gnmap', '--where', 'port == 443 && service == "http"', '--open',
    '-f', 'ip,port', '--group-window', '5k', 'in1.ndjson', 'in2.ndjson']],
];

for (const [cmd, argv] of ROUND_TRIPS) {
  test(`--echo read back with -c gives the same options: ${cmd}`, () => {
    const a = trawl([cmd, ...argv, '--echo']);
    assert.is(a.stderr, '');
    assert.is(a.code, 0);
    assert.ok(a.stdout.startsWith(`# trawl ${cmd} --echo: the options in effect; read back with trawl ${cmd} -c FILE.\n`), a.stdout);
    const f = conf(a.stdout);
    const b = trawl([cmd, '-c', f, '--echo']);
    assert.equal(b, { code: 0, stdout: a.stdout, stderr: '' });
    const { info } = loadCommand(cmd)!;
    const direct = parsed(info, argv), read = parsed(info, ['-c', f]);
    assert.equal(read.opts, direct.opts);
    assert.equal(read.given, direct.given);
  });
}

test('--echo writes what was given, defaults commented out, arguments first', () => {
  const r = trawl(['targets', '-p', '80', '--excludefile', 'ex.txt', '--seed', '7', '10.0.0.0/30', '10.0.1.0/30', '--echo']);
  assert.equal(r, {
    code: 0, stderr: '', stdout: [
      '# trawl targets --echo: the options in effect; read back with trawl targets -c FILE.',
      '# Options left at their defaults are shown commented out.',
      'range = 10.0.0.0/30',
      'range = 10.0.1.0/30',
      'ports = 80',
      '# top-ports =', '# udp = false', '# ping = false', '# arp = false',
      '# include-file =',
      '# hitlist =',
      '# exclude =',
      'exclude-file = ex.txt',
      '# exclude-ports =',
      '# no-reserved = false',
      'seed = 7',
      '# shard =',
      '# resume-index =',
      '# limit =',
      '# count = false',
      '# plan = false',
      '# walk = false',
      '# quiet = false',
      '# status-ndjson = false',
      '',
    ].join('\n'),
  });
});

test('a config file runs the command as its command line does (comments, blank lines, CRLF, a BOM)', () => {
  const f = conf('\uFEFF# web ports, two small ranges (a byte-order mark and CRLF are fine)\r\n  range = 10.0.0.0/30\r\nports = 80,443\n\nseed = 99\n  # indented comment\nrange=10.0.1.0/31\ncount\n');
  const a = trawl(['targets', '-c', f]);
  assert.equal(a, { code: 0, stdout: '12\n', stderr: '' });
  const b = trawl(['targets', '-c', f, '--no-count']);
  const c = trawl(['targets', '10.0.0.0/30', '10.0.1.0/31', '-p', '80,443', '--seed', '99']);
  assert.is(c.code, 0);
  assert.equal(b, c);
});

test('every command takes -c and --echo, and --echo does nothing else', () => {
  for (const name of commandNames()) {
    const r = trawl([name, '--echo']);
    assert.is(r.stderr, '', name);
    assert.is(r.code, 0, name);
    assert.ok(r.stdout.startsWith(`# trawl ${name} --echo:`), name);
    const f = conf(r.stdout);
    assert.equal(trawl([name, '-c', f, '--echo']), r, name);
  }
  // key --echo FILE writes no key.
  const k = path.join(dir, 'new.key');
  const r = trawl(['key', k, '--echo']);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  assert.is(noComments(r.stdout), `file = ${k}\n`);
  assert.not.ok(fs.existsSync(k));
});

test('the arguments\' config name is no option\'s name or alias', () => {
  for (const name of commandNames()) {
    const { info } = loadCommand(name)!;
    if (!info.operand) continue;
    for (const o of info.options) assert.not.ok([o.name, ...(o.aliases ?? [])].includes(info.operand), `${name}: ${info.operand}`);
  }
});

test('the command line overrides the file: its scalars win, its lists and arguments add', () => {
  const f = conf('range = 10.0.0.0/8\nports = 80\nrate = 5k\nexclude = 10.0.0.1\nopen-only\nbanners = true\nseed = 1\n');
  const r = trawl(['scan', '-c', f, '--rate', '100', '--exclude', '10.0.0.2', '-p', '443', '--no-open-only', '192.0.2.0/24', '--echo']);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  assert.is(noComments(r.stdout), [
    'range = 10.0.0.0/8', 'range = 192.0.2.0/24', 'ports = 80', 'ports = 443', 'exclude = 10.0.0.1', 'exclude = 10.0.0.2',
    'seed = 1', 'rate = 100', 'banners = true', 'open-only = false', ''].join('\n'));
});

test('several files are read in order: a later one\'s values over an earlier one\'s, lists add up', () => {
  const a = conf('rate = 1k\nexclude = 10.0.0.1\nrange = 10.0.0.0/8\n');
  const b = conf('rate = 2k\nexclude = 10.0.0.2\n');
  const m = trawl(['scan', '-c', a, '--conf', b, '--exclude', '10.0.0.3', '--echo']);
  assert.is(m.stderr, '');
  assert.is(m.code, 0);
  assert.is(noComments(m.stdout), ['range = 10.0.0.0/8', 'exclude = 10.0.0.1', 'exclude = 10.0.0.2', 'exclude = 10.0.0.3', 'rate = 2k', ''].join('\n'));
});

test('aliases and nmap words name options in a file; echo writes the long names', () => {
  const f = conf('max-rate = 5k\n-e = eth9\nexcludefile = ex\n-iL = in.txt\nopen\nno-rst = yes\nwait = 3\nbanners = off\n');
  const r = trawl(['scan', '-c', f, '--echo']);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  assert.is(noComments(r.stdout), ['include-file = in.txt', 'exclude-file = ex', 'interface = eth9', 'rate = 5k',
    'cooldown = 3', 'banners = false', 'no-rst = true', 'open-only = true', ''].join('\n'));
});

test('an option given in a file counts as given (catch filters on --source-port when one is given)', () => {
  const { info } = loadCommand('catch')!;
  assert.ok(parsed(info, ['-c', conf('source-port = 40000-40999\n')]).given.includes('source-port'));
  assert.not.ok(parsed(info, ['-c', conf('# nothing\n')]).given.includes('source-port'));
  assert.ok(parsed(info, ['--source-port=40000']).given.includes('source-port'));
});

test('a value keeps its inner spaces and any further =', () => {
  const f = conf('where =   port == 443 && service == "http"  \n');
  const r = trawl(['fmt', '-c', f, '--echo']);
  assert.is(r.code, 0, r.stderr);
  assert.is(noComments(r.stdout), 'where = port == 443 && service == "http"\n');
});

// [command, file text, line, message]: each mistake, named by FILE:LINE, exit 2, nothing done.
const ERRORS: [string, string, number, string][] = [
  ['scan', 'ports = 80\nrates = 5\n', 2, 'unknown option rates: did you mean rate? (see --help)'],
  ['scan', 'ranges = 10.0.0.0/8\n', 1, 'unknown option ranges: did you mean range? (see --help)'],
  ['scan', 'excludfile = x\n', 1, 'unknown option excludfile: did you mean excludefile? (see --help)'],
  ['scan', 'frobnicate = 1\n', 1, 'unknown option frobnicate (see --help)'],
  ['blast', 'range = 10.0.0.0/8\n', 1, 'unknown option range (see --help)'],
  ['scan', '# fine\n\nrate =\n', 3, 'option rate needs a value (PPS)'],
  ['scan', 'rate\n', 1, 'option rate needs a value (PPS)'],
  ['scan', 'exclude-file\n', 1, 'option exclude-file needs a value (FILE)'],
  ['targets', 'range =\n', 1, 'range needs a value'],
  ['scan', 'rate = fast\n', 1, "option rate: 'fast' is not a rate (a number such as 1000, 10k, 1e6, or max)"],
  ['targets', 'limit = lots\n', 1, "option limit: 'lots' is not a number"],
  ['blast', 'router-mac = 02:00\n', 1, "option router-mac: '02:00' is not a MAC address"],
  ['scan', 'banners = maybe\n', 1, "option banners: 'maybe' is not true or false"],
  ['scan', 'banners =\n', 1, 'option banners needs true or false (or the name alone for true)'],
  ['scan', '10.0.0.0/8\n', 1, "not a name = value line: '10.0.0.0/8'"],
  ['scan', 'conf = other.conf\n', 1, 'conf is for the command line, not a config file'],
  ['fmt', 'echo\n', 1, 'echo is for the command line, not a config file'],
  ['key', 'help = true\n', 1, 'help is for the command line, not a config file'],
];

for (const [cmd, text, line, msg] of ERRORS) {
  test(`${cmd} -c: ${msg}`, () => {
    const f = conf(text);
    assert.equal(trawl([cmd, '-c', f, '--echo']), { code: 2, stdout: '', stderr: `trawl ${cmd}: ${f}:${line}: ${msg}\n` });
  });
}

test('a file that cannot be read, or no FILE, is a usage error', () => {
  const none = path.join(dir, 'none.conf');
  assert.equal(trawl(['targets', '-c', none, '--echo']), { code: 2, stdout: '', stderr: `trawl targets: -c ${none}: no such file or directory\n` });
  assert.equal(trawl(['targets', '-c', dir, '--echo']), { code: 2, stdout: '', stderr: `trawl targets: -c ${dir}: not a regular file\n` });
  assert.equal(trawl(['targets', '--echo', '-c']), { code: 2, stdout: '', stderr: 'trawl targets: option --conf needs a value (FILE)\n' });
});

test('--echo refuses a value a config line cannot hold', () => {
  assert.equal(trawl(['fmt', '--where', 'port == 1\nor port == 2', '--echo']),
    { code: 2, stdout: '', stderr: "trawl fmt: --echo: the value of where ('port == 1\\x0aor port == 2') cannot be written on a name = value line\n" });
});

test('a config file group or others may write is refused, with the chmod that fixes it', () => {
  for (const mode of [0o666, 0o620, 0o602]) {
    const f = conf('range = 10.0.0.0/8\nports = 80\n', mode);
    const m = mode.toString(8).padStart(4, '0');
    assert.equal(trawl(['targets', '-c', f, '--count']), {
      code: 1, stdout: '',
      stderr: `trawl targets: -c ${f}: mode ${m} lets group or others write it, and so choose what trawl does (run chmod go-w ${f})\n`,
    });
  }
  // Others may read it: a config is no secret.
  assert.equal(trawl(['targets', '-c', conf('range = 10.0.0.0/8\nports = 80\n', 0o644), '--count']), { code: 0, stdout: '16777216\n', stderr: '' });
});

test('a config file another user owns is refused', () => {
  if (!isRoot) return;   // chown needs root
  const f = conf('range = 10.0.0.0/8\nports = 80\n', 0o644);
  fs.chownSync(f, 65534, 65534);
  const r = trawl(['targets', '-c', f, '--count']);
  assert.is(r.stdout, '');
  assert.is(r.code, 1);
  assert.match(r.stderr, new RegExp(`^trawl targets: -c ${f}: owned by (nobody \\()?uid 65534\\)?, not by you \\(root \\(uid 0\\)\\), ` +
    `so another user could choose what trawl does \\(run chown root ${f}, or copy it to a file of yours\\)\n$`));
});

test('the example of CONFIGURATION FILES in trawl(1) reads as it says', () => {
  const page = fs.readFileSync(path.join(ROOT, 'man', 'trawl.1'), 'utf8');
  const section = /\n\.SH CONFIGURATION FILES\n([\s\S]*?)\n\.SH /.exec(page)![1];
  const example = /\n\.nf\n([\s\S]*?)\n\.fi\n/.exec(section)![1].replace(/\\-/g, '-');
  const f = conf(example + '\n');
  const r = trawl(['scan', '-c', f, '--rate', '1k', '203.0.113.0/24', '--echo']);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  assert.is(noComments(r.stdout), ['range = 192.0.2.0/24', 'range = 198.51.100.0/24', 'range = 203.0.113.0/24', 'ports = 80,443,8080',
    'exclude = 192.0.2.1', 'exclude-file = /etc/trawl/exclude.conf', 'seed = 7', 'rate = 1k', 'banners = true', ''].join('\n'));
});

test.run();
