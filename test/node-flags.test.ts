// The heap flags every trawl process starts with (shared/node-flags.ts): in the bin's shebang,
// which runs, and in scan's stages.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { TRAWL } from './helpers';
import { NODE_FLAGS } from '../shared/node-flags';
import { startStage } from '../shared/scan/children';
import { PassThrough } from 'stream';

test("the bin's shebang starts node with NODE_FLAGS, and runs", () => {
  const first = fs.readFileSync(TRAWL, 'utf8').split('\n')[0];
  assert.is(first, `#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`);
  const r = spawnSync(TRAWL, ['targets', '198.18.0.0/30', '-p', '80', '-q'], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.trim().split('\n').length, 4);
});

test("scan's stages start with NODE_FLAGS", async () => {
  // A stage that waits for its stdin, so its command line can be read while it runs.
  const stage = startStage('banners', ['-q'], new PassThrough(), 'pipe');
  const argv = fs.readFileSync(`/proc/${stage.child.pid}/cmdline`, 'utf8').split('\0');
  stage.child.stdin!.end();
  assert.is(await stage.exit, 0);
  assert.equal(argv.slice(1, 1 + NODE_FLAGS.length), NODE_FLAGS);
  assert.equal(argv.slice(2 + NODE_FLAGS.length, 4 + NODE_FLAGS.length), ['banners', '-q']);
});

test("holdYoungGeneration keeps V8's young generation from growing in a running process (catch calls it)", () => {
  // Objects that survive scavenges grow the young generation; held, it stays as it was.
  const young = (hold: boolean): number => {
    const script = `const v8 = require('v8');
      ${hold ? `require(${JSON.stringify(require.resolve('../shared/node-flags'))}).holdYoungGeneration();` : ''}
      const keep = [];
      for (let i = 0; i < 2e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 30000) keep.splice(0, 15000); }
      process.stdout.write(String(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').physical_space_size));`;
    const r = spawnSync(process.execPath, [...NODE_FLAGS, '-e', script], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    return Number(r.stdout) / 1048576;
  };
  const free = young(false), held = young(true);
  assert.ok(free >= 7, `without it the young generation grows to NODE_FLAGS' 2 x 4 MiB (${free} MiB)`);
  assert.ok(held <= 4, `held, it stays at its start (${held} MiB)`);
});

test("catch and banners hold their young generation; targets does not", () => {
  // At exit, a probe loaded into the command makes survivors and reports the young generation.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-flags-'));
  const probe = path.join(dir, 'probe.js');
  fs.writeFileSync(probe, `process.on('exit', () => {
    const keep = [];
    for (let i = 0; i < 2e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 30000) keep.splice(0, 15000); }
    const ns = require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    require('fs').writeSync(2, 'young ' + ns.physical_space_size / 1048576 + '\\n');
  });`);
  const young = (args: string[]): number => {
    const r = spawnSync(TRAWL, args, { encoding: 'utf8', input: '', env: { ...process.env, NODE_OPTIONS: `-r ${probe}` } });
    const m = /young ([\d.]+)/.exec(r.stderr);
    assert.ok(m, r.stderr);
    return Number(m![1]);
  };
  try {
    const c = young(['catch', '--pcap', '/dev/null', '-q']), b = young(['banners', '-q']), t = young(['targets', '198.18.0.0/30', '-p', '80', '-q']);
    assert.ok(c <= 4, `catch: ${c} MiB`);
    assert.ok(b <= 4, `banners: ${b} MiB`);
    assert.ok(t >= 6, `targets: ${t} MiB`);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test.run();
