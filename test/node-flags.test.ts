// The heap flags every trawl process starts with (shared/node-flags.ts): in the bin's shebang,
// which runs, and in scan's stages.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
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

test.run();
