// The option-table helper: parsing, nmap-style words, missing values, unknown flags, --help.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CommandInfo, parseArgs, helpText, parseNumber, HELP_OPTION, suggest, editDistance } from '../shared/args';
import { UsageError } from '../shared/exit';

const info: CommandInfo = {
  name: 'demo', summary: 'a demo', synopsis: '[options] RANGE...',
  options: [
    { name: 'ports', short: 'p', type: 'string', arg: 'PORTS', help: 'ports' },
    { name: 'rate', type: 'number', arg: 'PPS', default: 100, help: 'rate', check: (v) => (v > 0 ? undefined : 'must be positive') },
    { name: 'input-list', short: 'iL', type: 'string', arg: 'FILE', help: 'list' },
    { name: 'exclude', type: 'list', arg: 'RANGE', help: 'exclude' },
    { name: 'count', type: 'boolean', help: 'count' },
    { name: 'no-reserved', type: 'boolean', help: 'keep reserved ranges' },
    HELP_OPTION,
  ],
};

test('parses long, short, nmap-style and positional arguments', () => {
  const o = parseArgs(info, ['-p', '80,443', '--rate=1e6', '-iL', 'f.txt', '--exclude', 'a', '--exclude', 'b', '10.0.0.0/8', '--count']);
  assert.is(o.ports, '80,443');
  assert.is(o.rate, 1e6);
  assert.is(o['input-list'], 'f.txt');
  assert.equal(o.exclude, ['a', 'b']);
  assert.is(o.count, true);
  assert.equal(o._, ['10.0.0.0/8']);
});

test('an option named --no-X is itself, not the negation of an unknown X', () => {
  assert.is(parseArgs(info, ['--no-reserved'])['no-reserved'], true);
  assert.is(parseArgs(info, ['--no-reserved=false'])['no-reserved'], false);
  assert.is(parseArgs(info, [])['no-reserved'], false);
  assert.throws(() => parseArgs(info, ['--no-such']), (e: Error) => /unknown option --no-such/.test(e.message));
});

test('defaults apply and lists are always arrays', () => {
  const o = parseArgs(info, []);
  assert.is(o.rate, 100);
  assert.equal(o.exclude, []);
  assert.is(o.count, false);
  assert.is(o.ports, undefined);
});

test('unknown flag is a usage error naming it', () => {
  assert.throws(() => parseArgs(info, ['--bogus']), (e: Error) => e instanceof UsageError && /--bogus/.test(e.message));
  assert.throws(() => parseArgs(info, ['-z']), (e: Error) => e instanceof UsageError && /-z/.test(e.message));
});

test('missing value is a usage error naming the flag', () => {
  assert.throws(() => parseArgs(info, ['-p']), (e: Error) => /-ports needs a value/.test(e.message));
  assert.throws(() => parseArgs(info, ['--rate', '--count']), (e: Error) => /--rate needs a value/.test(e.message));
  assert.throws(() => parseArgs(info, ['-iL']), (e: Error) => /-iL needs a value/.test(e.message));
});

test('bad numbers and failed checks name the flag and the value', () => {
  assert.throws(() => parseArgs(info, ['--rate', 'fast']), (e: Error) => /--rate: 'fast' is not a number/.test(e.message));
  assert.throws(() => parseArgs(info, ['--rate=-5']), (e: Error) => /--rate: must be positive/.test(e.message));
});

test('one-letter flags read as getopt does: grouped booleans, a value glued on, nmap\'s -p-', () => {
  assert.is(parseArgs(info, ['-p-']).ports, '-');
  assert.is(parseArgs(info, ['-p80-']).ports, '80-');
  assert.is(parseArgs(info, ['-p-1024']).ports, '-1024');
  assert.is(parseArgs(info, ['-p=80']).ports, '80');
  assert.is(parseArgs(info, ['-p', '-']).ports, '-');
  const o = parseArgs(info, ['-hp80']);
  assert.equal([o.help, o.ports], [true, '80']);
  assert.throws(() => parseArgs(info, ['-hz']), (e: Error) => e instanceof UsageError && /unknown option -hz/.test(e.message));
  assert.throws(() => parseArgs(info, ['-hp']), (e: Error) => /-ports needs a value/.test(e.message));
});

test('an unknown option names the closest ones of the table', () => {
  const msg = (argv: string[]) => { try { parseArgs(info, argv); } catch (e) { return (e as Error).message; } return ''; };
  assert.is(msg(['--port', '80']), 'unknown option --port: did you mean --ports? (see --help)');
  assert.is(msg(['--rates=5']), 'unknown option --rates: did you mean --rate? (see --help)');
  assert.is(msg(['--excldue', 'x']), 'unknown option --excldue: did you mean --exclude? (see --help)');
  assert.is(msg(['--input']), 'unknown option --input: did you mean --input-list? (see --help)');
  assert.is(msg(['-il', 'f']), 'unknown option -il: did you mean -iL? (see --help)');
  assert.is(msg(['--no-reserve']), 'unknown option --no-reserve: did you mean --no-reserved? (see --help)');
  assert.is(msg(['--bogus']), 'unknown option --bogus (see --help)');
  assert.is(msg(['-z']), 'unknown option -z (see --help)');
  assert.equal(suggest(info.options, '--cont'), ['--count']);
  assert.is(editDistance('seeds', 'seed'), 1);
  assert.is(editDistance('excldue', 'exclude'), 1);
});

test('negative numbers as positional arguments are not flags', () => {
  assert.equal(parseArgs(info, ['--', '-1']). _, ['-1']);
});

test('parseNumber understands suffixes and exponents', () => {
  assert.is(parseNumber('10k'), 10000);
  assert.is(parseNumber('1.5M'), 1500000);
  assert.is(parseNumber('1e6'), 1000000);
  assert.is(parseNumber('0x10'), 16);
  assert.ok(Number.isNaN(parseNumber('ten')));
});

test('help lists every option with its placeholder and default', () => {
  const h = helpText(info);
  for (const o of info.options) assert.ok(h.includes(`--${o.name}`), o.name);
  assert.match(h, /-iL, --input-list FILE/);
  assert.match(h, /\(default: 100\)/);
  assert.match(h, /usage: trawl demo \[options\] RANGE\.\.\./);
});

test.run();
