/** ping command line: iputils with a fixed locale (its messages are translated otherwise), every reply printed. */

import { parsePing } from '../../../parsers/ping.ts';
import type { ProbeSettings } from '../../plan/suite.ts';
import { pingRunValues } from '../extract.ts';
import { type Placement, type ProbeInvocation, placed } from './invocation.ts';

/** Seconds ping waits for the last reply. */
const WAIT_S = 1;

/** `count` echo requests at a fixed interval; the first `skipFirst` replies are left out of the RTT. */
export function pingRun(source: Placement, address: string, s: ProbeSettings['ping']): ProbeInvocation {
  const args = ['env', 'LC_ALL=C', 'ping', '-n', '-c', String(s.count), '-i', String(s.intervalS), '-W', String(WAIT_S), address];
  return {
    // Pinning does not help a probe that sleeps between packets.
    argv: placed({ ...source, core: null }, args),
    timeoutMs: Math.ceil(s.count * s.intervalS * 1000) + (WAIT_S + 15) * 1000,
    parse: (stdout) => pingRunValues(parsePing(stdout), s.skipFirst),
  };
}
