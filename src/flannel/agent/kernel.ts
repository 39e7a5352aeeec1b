/**
 * The agent's effectful edge to the kernel: read interfaces and the data plane with `ip -j` /
 * `bridge -j`, and run the operations a diff produced.
 */
import { CommandError, LabbenchError } from '../../errors.ts';
import { type KernelOp, opCommand } from '../dataplane/diff.ts';
import type { DesiredDataplane } from '../dataplane/plan.ts';
import { type CurrentDataplane, type CurrentDevice, parseAddrJson, parseFdbJson, parseLinkJson, parseNeighJson, parseRouteJson } from '../dataplane/state.ts';
import { type HostInterface, parseDefaultRouteDevice, parseIpAddrJson } from '../iface.ts';
import type { CommandRunner } from './exec.ts';
import type { AgentLog } from './log.ts';

/** The host's interfaces and default-route device. */
export async function readInterfaces(runner: CommandRunner): Promise<{ interfaces: HostInterface[]; defaultRouteDevice: string | undefined }> {
  const addrs = await runner.run(['ip', '-j', '-d', '-4', 'addr', 'show']);
  const routes = await runner.run(['ip', '-j', '-4', 'route', 'show', 'default']);
  return { interfaces: parseIpAddrJson(addrs.stdout), defaultRouteDevice: parseDefaultRouteDevice(routes.stdout || '[]') };
}

/** A link by name, or undefined when it does not exist. */
export async function readDevice(runner: CommandRunner, name: string): Promise<CurrentDevice | undefined> {
  const res = await runner.run(['ip', '-j', '-d', 'link', 'show', 'dev', name], { nothrow: true });
  if (res.exitCode !== 0) {
    if (/does not exist|Cannot find device/i.test(res.stderr)) return undefined;
    throw new CommandError(res);
  }
  return parseLinkJson(res.stdout || '[]');
}

/** The parts of the data plane `desired` touches. */
export async function readDataplane(runner: CommandRunner, desired: DesiredDataplane): Promise<CurrentDataplane> {
  const routes = parseRouteJson((await runner.run(['ip', '-j', '-4', 'route', 'show', 'table', 'main'])).stdout || '[]');
  const name = desired.device?.name;
  const device = name === undefined ? undefined : await readDevice(runner, name);
  if (!device || name === undefined) return { ...(device ? { device } : {}), addresses: [], routes, neighbours: [], fdb: [] };
  const addresses = parseAddrJson((await runner.run(['ip', '-j', '-4', 'addr', 'show', 'dev', name])).stdout || '[]');
  if (desired.device?.kind !== 'vxlan') return { device, addresses, routes, neighbours: [], fdb: [] };
  const neighbours = parseNeighJson((await runner.run(['ip', '-j', '-4', 'neigh', 'show', 'dev', name])).stdout || '[]', name);
  const fdb = parseFdbJson((await runner.run(['bridge', '-j', 'fdb', 'show', 'dev', name])).stdout || '[]', name);
  return { device, addresses, routes, neighbours, fdb };
}

/** Runs every operation in order, logging each; failures do not stop the rest and are thrown together. */
export async function applyKernelOps(runner: CommandRunner, ops: readonly KernelOp[], log: AgentLog): Promise<void> {
  const failures: string[] = [];
  for (const op of ops) {
    const argv = opCommand(op);
    const res = await runner.run(argv, { nothrow: true });
    if (res.exitCode === 0) log.info(`kernel: ${argv.join(' ')}`);
    else failures.push(`${argv.join(' ')}: ${res.stderr.trim() || `exit ${res.exitCode}`}`);
  }
  if (failures.length > 0) {
    throw new LabbenchError(`${failures.length} of ${ops.length} data plane changes failed:\n${failures.join('\n')}`, {
      hint: 'the agent retries; check that iproute2 is installed and the kernel has the vxlan/tun modules',
    });
  }
}
