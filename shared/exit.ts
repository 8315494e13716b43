// Exit codes shared by every command; documented in man/trawl.7 and each command's page.
export const EXIT_OK = 0;          // done
export const EXIT_FAIL = 1;        // cannot go on (I/O, permissions, empty target set)
export const EXIT_USAGE = 2;       // bad command line or bad user-supplied file
export const EXIT_REJECTED = 3;    // finished, but rejected some input (bad NDJSON lines, bad packets)
export const EXIT_INTERRUPTED = 130; // SIGINT/SIGTERM after flushing and printing where to resume

// Thrown for command-line and input-file mistakes; commands turn it into EXIT_USAGE.
export class UsageError extends Error {}

// Thrown when the run cannot go on; commands turn it into EXIT_FAIL.
export class FatalError extends Error {}
