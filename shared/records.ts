// The record schema of the whole pipeline (documented in man/trawl.7). Keys are flat snake_case,
// numbers are numbers, times are integer microseconds since the Unix epoch, bytes are base64.
export interface AnyRecord { type: string; [key: string]: unknown }
