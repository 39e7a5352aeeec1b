/** The error a probe's output parser raises when the output reports a failure or cannot be read. */
import { LabbenchError } from '../../../errors.ts';

/** A probe (iperf3, ping, the request-response client) failed or printed something unreadable. */
export class ProbeOutputError extends LabbenchError {}

/** First characters of an output, on one line, for error messages. */
export function excerpt(text: string, max = 160): string {
  const flat = text.trim().replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
