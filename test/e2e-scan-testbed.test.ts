// The namespace testbed itself: open, closed and filtered behave as documented, and down cleans up.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'child_process';
import { isRoot } from './helpers';
import { testbedUp, testbedDown, inNs, testbedName, TESTBED_SH } from './testbed';

const name = testbedName('tbt');

const PROBE = `python3 -c '
import socket, sys
for a, p in [("198.18.5.5", 80), ("198.18.200.1", 80), ("198.18.5.5", 81), ("198.18.1.9", 80)]:
    s = socket.socket(); s.settimeout(1)
    try:
        s.connect((a, p)); print(a, p, "open")
    except ConnectionRefusedError:
        print(a, p, "closed")
    except OSError:
        print(a, p, "filtered")
'`;

test.after(() => testbedDown(name));

test('testbed: open on listener ports across the /16, RST elsewhere, silence in the drop range', () => {
  if (!isRoot) { console.log('  (skipped: needs root)'); return; }
  const tb = testbedUp(name, { ports: [22, 80], drop: ['198.18.1.0/24'] });
  assert.is(tb.scanIf, `${name}-sv`);
  assert.match(tb.routerMac, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
  const r = inNs(tb.scanNs, PROBE);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  assert.is(r.stdout,
    '198.18.5.5 80 open\n198.18.200.1 80 open\n198.18.5.5 81 closed\n198.18.1.9 80 filtered\n');
  // A second up with the same name is refused rather than half-built.
  const again = spawnSync('bash', [TESTBED_SH, 'up', name], { encoding: 'utf8' });
  assert.is(again.status, 1);
  assert.match(again.stderr, 'already exists');
  testbedDown(name);
  testbedDown(name);  // idempotent
  const ns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  assert.not.match(ns, `${name}-`);
});

test.run();
