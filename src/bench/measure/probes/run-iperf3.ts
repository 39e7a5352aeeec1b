/** iperf3 command lines: the TCP and UDP client runs (JSON output) and the server they talk to. */

import type { ProbeSettings } from '../../plan/suite.ts';
import { tcpRunValues, udpRunValues } from '../extract.ts';
import { parseIperf3Tcp, parseIperf3Udp } from '../parsers/iperf3.ts';
import { type Placement, type ProbeInvocation, placed, type ServerCommand } from './invocation.ts';

/** Port of the iperf3 server in every destination namespace. */
export const IPERF3_PORT = 5201;
/** Slack on top of the test's own length: connection setup, the final exchange of results. */
const SLACK_MS = 20_000;

/** TCP throughput: fixed streams, the slow-start seconds omitted (-O), JSON output. */
export function iperf3TcpRun(source: Placement, address: string, s: ProbeSettings['tcp']): ProbeInvocation {
  const args = ['iperf3', '-c', address, '-p', String(IPERF3_PORT), '-J', '-t', String(s.durationS), '-O', String(s.omitS), '-P', String(s.streams)];
  return {
    argv: placed(s.pinCpus ? source : { ...source, core: null }, args),
    timeoutMs: (s.durationS + s.omitS) * 1000 + SLACK_MS,
    parse: (stdout) => tcpRunValues(parseIperf3Tcp(stdout)),
  };
}

/**
 * UDP at a fixed offered load and datagram size: loss and jitter are only comparable at the
 * same load. Pinned like TCP (the same iperf3 processes, the same setting).
 */
export function iperf3UdpRun(source: Placement, address: string, s: ProbeSettings['udp'], pin: boolean): ProbeInvocation {
  const args = [
    'iperf3',
    '-c',
    address,
    '-p',
    String(IPERF3_PORT),
    '-J',
    '-u',
    '-b',
    s.bitrate,
    '-l',
    String(s.lengthBytes),
    '-t',
    String(s.durationS),
    '-O',
    String(s.omitS),
  ];
  return {
    argv: placed(pin ? source : { ...source, core: null }, args),
    timeoutMs: (s.durationS + s.omitS) * 1000 + SLACK_MS,
    parse: (stdout) => udpRunValues(parseIperf3Udp(stdout)),
  };
}

/** The iperf3 server of a destination namespace (serves TCP and UDP tests one at a time). */
export function iperf3Server(destination: Placement, bind: string | null): ServerCommand {
  const args = ['iperf3', '-s', '-p', String(IPERF3_PORT), ...(bind ? ['-B', bind] : [])];
  return { name: 'iperf3', argv: placed(destination, args), port: IPERF3_PORT };
}
