// SIGINT and SIGTERM as a value a command can poll and await: the first one asks the command to
// stop, flush and say where to resume; its handlers are then removed, so a second Ctrl-C (for a
// reader that never drains) gets the default action and always ends the process. Commands that
// scan drives (blast, catch) and scan itself keep catching instead: a Ctrl-C on the terminal
// reaches every stage and scan then signals them again, which must not cut their flush short.
export interface Interrupt {
  /** The first signal received, or null while none was. */
  readonly signal: NodeJS.Signals | null;
  /** Every signal received so far (with `keep`, later ones too). */
  readonly received: ReadonlySet<NodeJS.Signals>;
  /** Resolves when the first signal arrives. */
  readonly stopped: Promise<void>;
  /** Removes the handlers; call it when the command finishes. */
  dispose(): void;
}

export interface InterruptOptions {
  signals?: NodeJS.Signals[];
  /** Called once, on the first signal (to stop an engine or wake a waiting loop). */
  onSignal?: (sig: NodeJS.Signals) => void;
  /** Keep the handlers after the first signal; later signals are only recorded. */
  keep?: boolean;
}

export function catchInterrupts(opts: InterruptOptions = {}): Interrupt {
  const signals = opts.signals ?? ['SIGINT', 'SIGTERM'];
  let wake!: () => void;
  let first: NodeJS.Signals | null = null;
  const received = new Set<NodeJS.Signals>();
  const stopped = new Promise<void>((resolve) => { wake = resolve; });
  const dispose = () => { for (const s of signals) process.removeListener(s, handler); };
  function handler(sig: NodeJS.Signals) {
    received.add(sig);
    if (first !== null) return;
    first = sig;
    if (!opts.keep) dispose();
    opts.onSignal?.(sig);
    wake();
  }
  for (const s of signals) process.on(s, handler);
  return { get signal() { return first; }, received, stopped, dispose };
}
