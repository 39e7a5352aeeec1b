/**
 * Parser for ping output from iputils (`LC_ALL=C ping`, its messages are translated otherwise)
 * and BusyBox. Keeps every reply's time so a run can be summarised by its own median instead of
 * the mean that ping prints.
 */
import { excerpt, ProbeOutputError } from './probe-output-error.ts';

/** One echo reply (duplicates are left out). */
export interface PingReply {
  seq: number;
  timeMs: number;
}

/** A parsed ping run. */
export interface PingRun {
  flavor: 'iputils' | 'busybox';
  transmitted: number;
  received: number;
  duplicates: number;
  /** iputils "+N errors" (ICMP errors such as unreachable); 0 for BusyBox, which does not count them. */
  errors: number;
  /** Packet loss in percent as printed (iputils: %g, BusyBox: an integer). */
  lossPercent: number;
  /** Replies in arrival order. */
  replies: PingReply[];
  /** ping's own min/avg/max(/mdev) line; null when nothing was received. */
  summary: { minMs: number; avgMs: number; maxMs: number; mdevMs: number | null } | null;
}

const IPUTILS_TOTALS =
  /^(\d+) packets transmitted, (\d+) received(?:, \+(\d+) duplicates)?(?:, \+(\d+) corrupted)?(?:, \+(\d+) errors)?, ([\d.]+)% packet loss/m;
const IPUTILS_RTT = /^rtt min\/avg\/max\/mdev = ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms/m;
const BUSYBOX_TOTALS = /^(\d+) packets transmitted, (\d+) packets received, (?:(\d+) duplicates, )?(\d+)% packet loss/m;
const BUSYBOX_RTT = /^round-trip min\/avg\/max = ([\d.]+)\/([\d.]+)\/([\d.]+) ms/m;
// iputils: "icmp_seq=3 ttl=64 time=0.045 ms"; BusyBox: "seq=3 ttl=64 time=0.045 ms".
const REPLY = /^\d+ bytes from [^:]+: (?:icmp_)?seq=(\d+) .*?time=([\d.]+) ms(.*)$/;

/** Parses the full output of one ping run; raises ProbeOutputError when it has no statistics. */
export function parsePing(output: string): PingRun {
  const text = output.replace(/\r\n/g, '\n');
  const iputils = IPUTILS_TOTALS.exec(text);
  const busybox = iputils ? null : BUSYBOX_TOTALS.exec(text);
  if (!iputils && !busybox) {
    throw new ProbeOutputError(`ping printed no statistics: ${excerpt(text) || '(empty)'}`, {
      hint: 'run ping with LC_ALL=C and a count (-c N) so it ends with its statistics',
    });
  }
  const replies = parseReplies(text);
  if (iputils) {
    const rtt = IPUTILS_RTT.exec(text);
    return {
      flavor: 'iputils',
      transmitted: Number(iputils[1]),
      received: Number(iputils[2]),
      duplicates: Number(iputils[3] ?? 0),
      errors: Number(iputils[5] ?? 0),
      lossPercent: Number(iputils[6]),
      replies,
      summary: rtt ? { minMs: Number(rtt[1]), avgMs: Number(rtt[2]), maxMs: Number(rtt[3]), mdevMs: Number(rtt[4]) } : null,
    };
  }
  const totals = busybox as RegExpExecArray;
  const rtt = BUSYBOX_RTT.exec(text);
  return {
    flavor: 'busybox',
    transmitted: Number(totals[1]),
    received: Number(totals[2]),
    duplicates: Number(totals[3] ?? 0),
    errors: 0,
    lossPercent: Number(totals[4]),
    replies,
    summary: rtt ? { minMs: Number(rtt[1]), avgMs: Number(rtt[2]), maxMs: Number(rtt[3]), mdevMs: null } : null,
  };
}

function parseReplies(text: string): PingReply[] {
  const replies: PingReply[] = [];
  for (const line of text.split('\n')) {
    const m = REPLY.exec(line);
    if (!m || (m[3] ?? '').includes('(DUP!)')) continue;
    replies.push({ seq: Number(m[1]), timeMs: Number(m[2]) });
  }
  return replies;
}
