// SIGINT and SIGTERM as a value a command can poll and await: the first one asks the command to
// stop, flush and say where to resume; its handlers are then removed, so a second Ctrl-C (for a
// reader that never drains) gets the default action and always ends the process.
export interface Interrupt {
  /** The signal received, or null while none was. */
  readonly signal: NodeJS.Signals | null;
  /** Resolves when the first signal arrives. */
  readonly stopped: Promise<void>;
  /** Removes the handlers; call it when the command finishes. */
  dispose(): void;
}

export function catchInterrupts(signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): Interrupt {
  let wake!: () => void;
  const state: { signal: NodeJS.Signals | null } = { signal: null };
  const stopped = new Promise<void>((resolve) => { wake = resolve; });
  const dispose = () => { for (const s of signals) process.removeListener(s, handler); };
  function handler(sig: NodeJS.Signals) { state.signal = sig; dispose(); wake(); }
  for (const s of signals) process.on(s, handler);
  return { get signal() { return state.signal; }, stopped, dispose };
}
