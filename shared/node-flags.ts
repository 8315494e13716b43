// The V8 flags every trawl process starts with: the bin's shebang (shared/main.ts) and scan's
// stages (shared/scan/children.ts). The first two take effect only as node starts (it sizes
// the heap and the threads then): set from inside a running process (v8.setFlagsFromString)
// they change nothing.
//
// --max-semi-space-size=4 (MiB; V8's default grows each half of the young generation to 16):
// banners over a catch stream of 100% answering targets (34,527 records, TLS 1.3 decrypted)
// peaked at 90 MB instead of 118 MB in the same CPU time (1.50-1.57 s against 1.58-1.73 s
// wall); 2 MiB kept 109 MB (more survivors promoted to the old generation), 8 MiB 99 MB.
//
// --v8-pool-size=1 (node's default: 4): the threads that run V8's background jobs (concurrent
// marking, parallel scavenges, optimizing compiles) in each process. A scan runs three or four
// node processes at once, each with a pool of its own, and each thread's allocations take
// pages of their own (a malloc arena per thread): catch and banners' peak RSS on the banner
// bench's memory rows was 1-2 MB lower, and in interleaved replays (three rounds each) banners
// held 61 MB against 62 over 200 k captured records (wall 1.27 s against 1.45), 89 against 93
// with every certificate unique (2.06 s against 2.33), 156 against 162 with nmap's file (2.53
// against 2.49 s); catch replaying 1 M SYN-ACKs 0.54 s against 0.51, blast over a walk of 4 M
// targets 1.04 against 1.02, each 2 MB less.
//
// --max-inlined-bytecode-size-cumulative=300 (V8's default: 920 bytes of bytecode inlined into
// one optimized function): TurboFan builds a graph of each function it optimizes with all it
// inlines, in memory (zones) that its thread's malloc arena keeps, so each process's peak held
// the largest graph it ever built. Interleaved replays (4-5 rounds each, peak RSS and wall):
// banners over the banner bench's 100% catch stream 65.9-66.4 MB against 67.5-67.6 (and 56.2
// against 56.4 with no input: what it saves grows with the work), 200 k captured records 60.7
// against 61.3 (1.24 s against 1.21), every certificate unique 88.1 against 88.4 (1.89 s
// against 2.16); catch replaying 1 M SYN-ACKs 0.51 s against 0.55, blast over a walk of 4 M
// targets 0.92 against 0.91, fmt -o xml 0.72 against 0.66: no slower beyond the noise.
import { setFlagsFromString } from 'v8';

export const NODE_FLAGS = ['--max-semi-space-size=4', '--v8-pool-size=1', '--max-inlined-bytecode-size-cumulative=300'];

/** Keeps V8's young generation at the size it has now instead of letting it grow to the 2 x 4
 *  MiB that NODE_FLAGS allow: V8 reads --semi-space-growth-factor each time it would grow the
 *  young generation, so unlike the sizes above it takes effect from inside a running process
 *  (test/node-flags.test.ts checks that it still does). catch and banners call it as they
 *  start, when node's start has grown the young generation to 2 x 2 MiB: there it stays (issue
 *  10: their memory should not grow with the share of targets that answer).
 *  - catch, whose per-packet work is typed arrays and native batches: on banners.bench.sh's
 *    memory rows, its peak RSS less its output queue (output_queued_peak) at 50 and 100%
 *    answering was 83-85 MB held against 88-92 free (75-76 MB at 0% either way); replaying 1 M
 *    SYN-ACKs took the same CPU.
 *  - banners, interleaved runs, peak RSS and CPU (user + sys): the testbed's 100% catch stream
 *    71-73 MB against 77-78, same CPU; 50 k records with every certificate unique 94 MB against
 *    97-99 (2.64 s both, five pairs), with nmap's file 197 against 203-240; 200 k of them with
 *    nmap's file 285-287 MB against 291-293, 10.7 s against 11.5 (three pairs).
 *  Held from the very start (1 MiB halves, before node loads the command) banners' peak grew
 *  instead (82 MB against 76 on the catch stream): too small a young generation promotes
 *  records that live across a few scavenges (reassembly, joins). */
export function holdYoungGeneration(): void { setFlagsFromString('--semi-space-growth-factor=1'); }
