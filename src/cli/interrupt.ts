/**
 * SIGINT / SIGTERM for the CLI. A command that can stop cleanly asks for `interruptSignal()`; the first
 * signal aborts it and gives the command a few seconds to wind down, then (or at a second signal) the
 * process dies of the signal the default way. A command that never asked dies at once, as if no handler
 * were installed. Why not leave it to Node: a dependency (signal-exit) installs listeners, and a JS
 * listener that waits on work stuck in a model load would keep the process alive forever.
 */
import { constants } from "node:os";

/** How long a command has to stop after the first signal. */
export const GRACE_MS = 3000;

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

let controller: AbortController | undefined;
let received: NodeJS.Signals | undefined;

/** Aborted (reason: an Error saying which signal) at the first SIGINT/SIGTERM; asking for it opts into a clean stop. */
export function interruptSignal(): AbortSignal {
  controller ??= new AbortController();
  return controller.signal;
}

/** Installs the handlers for one CLI invocation; returns their removal. */
export function installInterruptHandlers(): () => void {
  controller = undefined;
  received = undefined;
  for (const s of SIGNALS) process.on(s, onSignal);
  return () => {
    for (const s of SIGNALS) process.removeListener(s, onSignal);
  };
}

/** 128 + the signal's number once a signal stopped the command (the shell's convention), else undefined. */
export function exitCodeAfterInterrupt(): number | undefined {
  return received ? 128 + constants.signals[received] : undefined;
}

function onSignal(sig: NodeJS.Signals): void {
  if (received || !controller) return die(sig);
  received = sig;
  process.stderr.write(`\nsociety: ${sig}: stopping (forced in ${GRACE_MS / 1000} s, or at a second signal)\n`);
  setTimeout(() => die(sig), GRACE_MS).unref();
  controller.abort(Object.assign(new Error(`interrupted by ${sig}`), { name: "AbortError" }));
}

/** Dies of `sig` with the default disposition: no listener left to run, nothing to wait for. */
function die(sig: NodeJS.Signals): void {
  process.removeAllListeners(sig);
  process.kill(process.pid, sig);
}
