/**
 * The effectful side of the injection on a lab that is up: applying and removing the rule chain
 * on host A, the residue check, and the plain measurements that verify their size (ping RTT p50 and an
 * iperf3 TCP run between two containers of the path's own, independent of the gate's code).
 */

import { median } from '../../../src/bench/judge/stats.ts';
import { parseIperf3Tcp } from '../../../src/bench/measure/parsers/iperf3.ts';
import { enterNetns } from '../../../src/bench/measure/probes/invocation.ts';
import { benchHosts } from '../../../src/bench/session.ts';
import { LabbenchError } from '../../../src/errors.ts';
import type { Host } from '../../../src/host.ts';
import { type Lab, openLab } from '../../../src/lab.ts';
import { parsePing } from '../../../src/parsers/ping.ts';
import { createProvider } from '../../../src/providers/registry.ts';
import { BOX_IMAGE, ensureBoxImage } from '../../../src/scenario/lib/box.ts';
import type { BlockPair } from './calibrate.ts';
import { chainRestoreInput, jumpRules, normaliseRules, POWER_CHAIN, presentJumps } from './mechanism.ts';
import type { PowerPath } from './plan.ts';

/** Host A (etcd, the probe clients, where every injection goes) and host B of a lab that is up. */
export interface PowerLab {
  lab: Lab;
  a: Host;
  b: Host;
  /** flannel's overlay device on host A (vxlan: flannel.1, udp: flannel0). */
  overlayDevice: string;
}

/** The lab's state ("up", "partial" …), or null when there is no such lab. */
export async function labState(name: string): Promise<string | null> {
  const provider = await createProvider('local');
  return (await provider.status(name))?.state ?? null;
}

export async function openPowerLab(name: string): Promise<PowerLab> {
  const provider = await createProvider('local');
  const inventory = await provider.inventory(name);
  if (!inventory) throw new LabbenchError(`lab "${name}" is not up`);
  const lab = await openLab(inventory);
  try {
    const { a, b } = benchHosts(lab);
    const devices = (await a.$`ls /sys/class/net`).lines();
    const overlayDevice = ['flannel.1', 'flannel0'].find((d) => devices.includes(d));
    if (!overlayDevice) throw new LabbenchError(`host ${a.name} of lab "${name}" has no flannel device (flannel.1 or flannel0): is flannel configured?`);
    return { lab, a, b, overlayDevice };
  } catch (err) {
    await lab.close();
    throw err;
  }
}

/** Host A's rule set, normalised for comparison (see normaliseRules). */
export async function ruleState(lab: PowerLab): Promise<string> {
  return normaliseRules((await lab.a.$({ quiet: true })`iptables-save`).stdout);
}

/** Removes every injection of this module from host A, whatever state an earlier run left (idempotent). */
export async function clearInjections(lab: PowerLab): Promise<void> {
  const a = lab.a.$({ quiet: true });
  for (const args of presentJumps((await a`iptables -t mangle -S FORWARD`).stdout)) await a`iptables -t mangle -D FORWARD ${args}`;
  if ((await lab.a.$({ quiet: true, nothrow: true })`iptables -t mangle -S ${POWER_CHAIN}`).ok) {
    await a`iptables -t mangle -F ${POWER_CHAIN}`;
    await a`iptables -t mangle -X ${POWER_CHAIN}`;
  }
}

/** Fills the rule chain with `rules` non-matching rules (not yet on any path). */
export async function loadChain(lab: PowerLab, rules: number): Promise<void> {
  await lab.a.$({ quiet: true, input: chainRestoreInput(rules) })`iptables-restore --noflush`;
}

/** Puts the chain on the path's forwarded packets (on) or takes it off (off). */
export async function setChainOnPath(lab: PowerLab, path: PowerPath, on: boolean): Promise<void> {
  for (const args of jumpRules(path, lab.overlayDevice)) await lab.a.$({ quiet: true })`iptables -t mangle ${on ? '-A' : '-D'} FORWARD ${args}`;
}

/** Two containers of the module's own on the path: source on host A, destination on A (bridge) or B (overlay). */
export interface ProbePair {
  path: PowerPath;
  source: { host: Host; pid: number };
  destination: { host: Host; pid: number; address: string };
}

const PROBE_LABEL = 'dev.labbench.power';
const IPERF3_PORT = 5299;
const IPERF3_UNIT = 'labbench-power-iperf3';

/** Runs `use` with a probe pair on the path; the containers and the iperf3 server are removed afterwards. */
export async function withProbePair<T>(lab: PowerLab, path: PowerPath, use: (pair: ProbePair) => Promise<T>): Promise<T> {
  const dstHost = path === 'bridge' ? lab.a : lab.b;
  const created: { host: Host; name: string }[] = [];
  const start = async (host: Host, name: string) => {
    await ensureBoxImage(host);
    await host.$({ nothrow: true, quiet: true })`docker rm -f ${name}`;
    created.push({ host, name });
    await host.$({ quiet: true })`docker run -d --name ${name} --label ${PROBE_LABEL} ${BOX_IMAGE} sleep 2147483647`;
    const [pid, address] = (await host.$({ quiet: true })`docker inspect -f ${'{{.State.Pid}} {{.NetworkSettings.IPAddress}}'} ${name}`).text().split(' ');
    if (!(Number(pid) > 0) || !address) throw new LabbenchError(`probe container ${name} on ${host.name} has no PID or address`);
    return { pid: Number(pid), address };
  };
  try {
    const src = await start(lab.a, 'labbench-power-src');
    const dst = await start(dstHost, 'labbench-power-dst');
    await dstHost.$({ nothrow: true, quiet: true })`systemctl stop ${`${IPERF3_UNIT}.service`}; systemctl reset-failed ${`${IPERF3_UNIT}.service`}`;
    await dstHost.$({
      quiet: true,
    })`systemd-run --quiet --collect --unit ${IPERF3_UNIT} taskset -c 1 ${enterNetns(dst.pid)} iperf3 -s -B ${dst.address} -p ${IPERF3_PORT}`;
    for (let i = 0; !(await dstHost.$({ nothrow: true, quiet: true })`${enterNetns(dst.pid)} ss -Hltn ${`sport = :${IPERF3_PORT}`}`).text(); i++) {
      if (i > 50) throw new LabbenchError(`the probe iperf3 server on ${dstHost.name} did not listen within 10 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return await use({ path, source: { host: lab.a, pid: src.pid }, destination: { host: dstHost, pid: dst.pid, address: dst.address } });
  } finally {
    await dstHost.$({ nothrow: true, quiet: true })`systemctl stop ${`${IPERF3_UNIT}.service`}`;
    for (const c of created) await c.host.$({ nothrow: true, quiet: true })`docker rm -f ${c.name}`;
  }
}

/** Ping RTT p50 in µs over `count` replies at 2 ms intervals (the first 10 replies are a warm-up). */
export async function pingP50Us(pair: ProbePair, count = 150): Promise<number> {
  const out = await pair.source.host.$({ quiet: true })`LC_ALL=C ${enterNetns(pair.source.pid)} ping -n -c ${count} -i 0.002 ${pair.destination.address}`;
  const replies = parsePing(out.stdout).replies.slice(10);
  if (replies.length < count / 2) throw new LabbenchError(`ping over the ${pair.path} path got only ${replies.length + 10} of ${count} replies`);
  return median(replies.map((r) => r.timeMs * 1000));
}

/** Receiver TCP throughput in bit/s of one iperf3 run (1 s after 1 s omitted, client and server on separate cores). */
export async function tcpBitsPerSecond(pair: ProbePair): Promise<number> {
  const out = await pair.source.host.$({
    quiet: true,
  })`taskset -c 0 ${enterNetns(pair.source.pid)} iperf3 -c ${pair.destination.address} -p ${IPERF3_PORT} -J -t 1 -O 1`;
  return parseIperf3Tcp(out.stdout).receivedBitsPerSecond;
}

/**
 * Alternating blocks: measure with the injection off, switch it on, measure, switch it off, …
 * `blocks` pairs. The injection is off when this returns (also when a step fails).
 */
export async function alternatingPairs(blocks: number, measure: () => Promise<number>, set: (on: boolean) => Promise<void>): Promise<BlockPair[]> {
  const pairs: BlockPair[] = [];
  let on = false;
  try {
    for (let i = 0; i < blocks; i++) {
      const off = await measure();
      on = true;
      await set(on);
      const with_ = await measure();
      on = false;
      await set(on);
      pairs.push({ off, on: with_ });
    }
    return pairs;
  } finally {
    if (on) await set(false);
  }
}
