// The V8 flags every trawl process starts with: the bin's shebang (shared/main.ts) and scan's
// stages (shared/scan/children.ts). They size the heap, which node fixes when it starts: set
// from inside a running process (v8.setFlagsFromString) they change nothing.
//
// --max-semi-space-size=4 (MiB; V8's default grows each half of the young generation to 16):
// banners over a catch stream of 100% answering targets (34,527 records, TLS 1.3 decrypted)
// peaked at 90 MB instead of 118 MB in the same CPU time (1.50-1.57 s against 1.58-1.73 s
// wall); 2 MiB kept 109 MB (more survivors promoted to the old generation), 8 MiB 99 MB.
export const NODE_FLAGS = ['--max-semi-space-size=4'];
