/**
 * From one parsed probe run to the per-run values of its metrics (the unit of analysis: one
 * run, one sample per metric). Units follow the metric table.
 */

import type { PingRun } from '../../parsers/ping.ts';
import { median } from '../judge/stats.ts';
import type { MetricId } from '../plan/metrics.ts';
import type { Iperf3TcpRun, Iperf3UdpRun } from './parsers/iperf3.ts';
import type { RrRun } from './parsers/rr.ts';

/** Metric values of one run; a metric the run could not yield is absent. */
export type RunValues = Partial<Record<MetricId, number>>;

/** Leading ping replies left out of a run's RTT (ARP, route and cache warm-up). */
export const PING_SKIP_FIRST = 5;

/** TCP: receiver goodput in Gbit/s, and retransmits when the sender reports them. */
export function tcpRunValues(run: Iperf3TcpRun): RunValues {
  const values: RunValues = { 'tcp.throughput': run.receivedBitsPerSecond / 1e9 };
  if (run.retransmits !== null) values['tcp.retransmits'] = run.retransmits;
  return values;
}

/**
 * UDP at a fixed offered load: goodput in Mbit/s, loss in %, jitter in ms. iperf3 counts loss
 * from gaps among the datagrams that arrived, so a run where none arrived says 0 % loss: that
 * is 100 % loss, and there is no jitter to speak of.
 */
export function udpRunValues(run: Iperf3UdpRun): RunValues {
  if (run.packets === 0) return { 'udp.goodput': run.bitsPerSecond / 1e6, 'udp.loss': 100 };
  return { 'udp.goodput': run.bitsPerSecond / 1e6, 'udp.loss': run.lostPercent, 'udp.jitter': run.jitterMs };
}

/**
 * ping: the median reply time in µs after dropping the first `skipFirst` replies (kept when
 * nothing would remain), and the loss in %. No RTT when nothing came back.
 */
export function pingRunValues(run: PingRun, skipFirst = PING_SKIP_FIRST): RunValues {
  const values: RunValues = { 'ping.loss': run.lossPercent };
  const times = run.replies.map((r) => r.timeMs * 1000);
  const kept = times.length > skipFirst ? times.slice(skipFirst) : times;
  if (kept.length > 0) values['ping.rtt'] = median(kept);
  return values;
}

/** Request-response: p50, p99 and mean round trip in µs. */
export function rrRunValues(run: RrRun): RunValues {
  return { 'rr.p50': run.p50, 'rr.p99': run.p99, 'rr.mean': run.mean };
}
