/**
 * Whether the user interrupted this run (SIGINT/SIGTERM). The CLI marks it; progress steps
 * check it at their edges, so an interrupted operation stops at the next step even when no
 * child process was running to fail at that moment.
 */
import { InterruptedError } from './errors.ts';

let signalName: string | undefined;

export function markInterrupted(signal: string): void {
  signalName ??= signal;
}

export function throwIfInterrupted(): void {
  if (signalName !== undefined) {
    // The CLI has already said how to clean up; the error only ends the operation.
    throw new InterruptedError(`interrupted by ${signalName}`);
  }
}
