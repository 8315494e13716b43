// Every command has a man page, every option in its table appears there, and groff -ww is silent.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { ROOT } from './helpers';

const cmds = fs.readdirSync(path.join(ROOT, 'dist', 'cmds')).filter((f) => f.endsWith('.js')).map((f) => f.slice(0, -3));
const pages = fs.readdirSync(path.join(ROOT, 'man')).filter((f) => /\.[17]$/.test(f));

test('trawl.1 and trawl.7 exist', () => {
  assert.ok(pages.includes('trawl.1'));
  assert.ok(pages.includes('trawl.7'));
});

for (const name of cmds) {
  test(`man page documents every option of trawl ${name}`, () => {
    const file = path.join(ROOT, 'man', `trawl-${name}.1`);
    assert.ok(fs.existsSync(file), `missing man/trawl-${name}.1`);
    const text = fs.readFileSync(file, 'utf8').replace(/\\-/g, '-').replace(/\\f[BIRP]/g, '');
    const { info } = require(path.join(ROOT, 'dist', 'cmds', name));
    for (const o of info.options) assert.ok(text.includes(`--${o.name}`), `trawl-${name}.1 lacks --${o.name}`);
    // Aliases are documented as aliases: in the ALIASES section, beside the option they stand for.
    const aliases = /\n\.SH ALIASES\n([\s\S]*?)(?:\n\.SH |$)/.exec(text)?.[1] ?? '';
    for (const o of info.options) {
      for (const a of o.aliases ?? []) {
        const flag = a.startsWith('-') ? a : `--${a}`;
        assert.ok(new RegExp(`^\\.B[IR]? ${flag.replace(/-/g, '-')}(?: |$)[^\\n]*\\n[^\\n]*--${o.name}\\b`, 'm').test(aliases),
          `trawl-${name}.1's ALIASES lacks ${flag} for --${o.name}`);
      }
    }
    assert.ok(/EXIT STATUS/.test(text), `trawl-${name}.1 lacks EXIT STATUS`);
  });
}

for (const page of pages) {
  test(`groff -man -ww prints no warning for ${page}`, () => {
    const r = spawnSync('groff', ['-man', '-ww', '-z', path.join(ROOT, 'man', page)], { encoding: 'utf8' });
    assert.is(r.status, 0);
    assert.is(r.stderr, '', r.stderr);
  });
}

test.run();
