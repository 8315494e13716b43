// The V8 flags every trawl process starts with: the bin's shebang (shared/main.ts) and scan's
// stages (shared/scan/children.ts). They size the heap, which node fixes when it starts: set
// from inside a running process (v8.setFlagsFromString) they change nothing.
//
// --max-semi-space-size=4 (MiB; V8's default grows each half of the young generation to 16):
// banners over a catch stream of 100% answering targets (34,527 records, TLS 1.3 decrypted)
// peaked at 90 MB instead of 118 MB in the same CPU time (1.50-1.57 s against 1.58-1.73 s
// wall); 2 MiB kept 109 MB (more survivors promoted to the old generation), 8 MiB 99 MB.
import { setFlagsFromString } from 'v8';

export const NODE_FLAGS = ['--max-semi-space-size=4'];

/** Keeps V8's young generation at the size it has now instead of letting it grow to the 2 x 4
 *  MiB that NODE_FLAGS allow: V8 reads --semi-space-growth-factor each time it would grow the
 *  young generation, so unlike the sizes above it takes effect from inside a running process
 *  (test/node-flags.test.ts checks that it still does).
 *  For catch (issue 10), whose per-packet work is typed arrays and native batches and whose few
 *  survivors are records on their way out: it starts at 2 x 2 MiB and there it stays. On
 *  banners.bench.sh's memory rows, catch's peak RSS less its output queue (output_queued_peak)
 *  at 50 and 100% answering was 83-85 MB held against 88-92 free (75-76 MB at 0% either way),
 *  and replaying 1 M SYN-ACKs took the same CPU. Not for banners: its records live across
 *  scavenges (reassembly, joins), a small young generation promotes them, and its peak grew
 *  (82 MB against 76 replaying the testbed's catch stream with the generation held at start). */
export function holdYoungGeneration(): void { setFlagsFromString('--semi-space-growth-factor=1'); }
