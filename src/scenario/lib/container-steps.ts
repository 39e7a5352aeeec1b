/**
 * Host operations the single- and two-host chapters share: which host a chapter runs on,
 * pinging from a container, reading interfaces (`ip a`, `ifconfig`), container IDs, and
 * removing networks. Each shows up in the transcript as the commands it runs.
 */
import { ConfigError, LabbenchError } from '../../errors.ts';
import type { Host } from '../../host.ts';
import { gatewayOf } from '../../testbed/testbed.ts';
import type { StepContext } from '../define.ts';
import { removeContainers } from './host-steps.ts';
import { stringOverride } from './overrides.ts';
import { type IfconfigInterface, parseIfconfig } from './parse-ifconfig.ts';
import { type IpInterface, parseIpInterfaces } from './parse-ip.ts';
import { spareLanAddresses } from './pick-addresses.ts';
import { type PingOutcome, pingOutcome } from './ping-outcome.ts';

/**
 * The host the document runs its single-host chapters (1–3) on: its Ubuntu host B
 * (192.168.100.13, the `root@ubuntu24` prompt in 3.5), or the first host when no host carries
 * that label.
 */
export function documentHost(ctx: StepContext): Host {
  return ctx.hosts.find((h) => h.info.os.startsWith('ubuntu')) ?? ctx.hosts[0]!;
}

/** The document's two hosts, A (192.168.100.12) and B (192.168.100.13), for the cross-host chapters. */
export function hostPair(ctx: StepContext): { a: Host; b: Host } {
  const [a, b] = ctx.hosts;
  if (!a || !b)
    throw new ConfigError(`lab "${ctx.lab.inventory.lab}" has ${ctx.hosts.length} host(s); this chapter needs two on one LAN`, {
      hint: "use the document's two-host lab (pnpm lab up)",
    });
  return { a, b };
}

/** `docker exec <container> ping -c <count> -W 1 <target>`, read into a PingOutcome (never throws on no reply). */
export async function pingFrom(host: Host, container: string, target: string, count = 3): Promise<PingOutcome> {
  const r = await host.$({ nothrow: true, timeoutMs: 60_000 })`docker exec ${container} ping -c ${count} -W 1 ${target}`;
  return pingOutcome(target, r.stdout, r.stderr);
}

/** `ip a` on the host, or in a container when one is named. */
export async function interfacesOf(host: Host, container?: string): Promise<IpInterface[]> {
  const out = container ? await host.$`docker exec ${container} ip a` : await host.$`ip a`;
  return parseIpInterfaces(out.stdout);
}

/** A container's eth0 as `ip a` inside it shows it (address with prefix length in `inet[0]`), or undefined. */
export async function eth0Of(host: Host, container: string): Promise<IpInterface | undefined> {
  const out = await host.$({ nothrow: true })`docker exec ${container} ip a`;
  return out.ok ? parseIpInterfaces(out.stdout).find((i) => i.name === 'eth0') : undefined;
}

/** Whether a container exists and runs (`docker inspect -f '{{.State.Status}}'`), as a word for check labels. */
export async function containerState(host: Host, container: string): Promise<string> {
  const r = await host.$({ nothrow: true })`docker inspect -f '{{.State.Status}}' ${container}`;
  return r.ok ? r.text() : 'missing';
}

/** A container the student ran to print something (`docker run centos:7.9 ifconfig`): its network and what it printed. */
export interface FinishedRun {
  id: string;
  network: string;
  output: string;
}

/**
 * The newest container from `image` whose command is `command` (e.g. `ifconfig`, `hostname -i`),
 * with its network mode and its output (`docker logs`): what a student's `docker run` showed,
 * read without running anything.
 */
export async function lastRunOf(host: Host, image: string, command: string): Promise<FinishedRun | undefined> {
  const ids = (await host.$`docker ps -aq --filter ${`ancestor=${image}`}`).lines();
  for (const id of ids) {
    const [cmd, network] = (await host.$`docker inspect -f '{{json .Config.Cmd}}	{{.HostConfig.NetworkMode}}' ${id}`).text().split('\t');
    if (((JSON.parse(cmd ?? 'null') as string[] | null) ?? []).join(' ') !== command) continue;
    const logs = await host.$`docker logs ${id}`;
    return { id, network: network ?? '', output: logs.stdout + logs.stderr };
  }
  return undefined;
}

/** Removes the finished containers the document's `docker run centos:7.9 <command>` lines leave behind. */
export async function removeFinishedRuns(host: Host, image: string): Promise<void> {
  await host.$`docker ps -aq --filter ${`ancestor=${image}`} --filter status=exited | xargs -r docker rm >/dev/null`;
}

/** `ifconfig` on the host, or in a container when one is named. */
export async function ifconfigOf(host: Host, container?: string): Promise<IfconfigInterface[]> {
  const out = container ? await host.$`docker exec ${container} ifconfig` : await host.$`ifconfig`;
  return parseIfconfig(out.stdout);
}

/** The 12-character container ID Docker shows (and writes into /etc/hosts). */
export async function shortIdOf(host: Host, container: string): Promise<string> {
  return (await host.$`docker inspect -f '{{.Id}}' ${container}`).text().slice(0, 12);
}

/** Removes networks by name if they exist. */
export async function removeNetworks(host: Host, names: readonly string[]): Promise<void> {
  await host.$`for n in ${names}; do docker network rm "$n" >/dev/null 2>&1 || true; done`;
}

/** The host's interface on the lab's LAN (the one carrying its inventory address: `ens33` in the document, eth0 here). */
export async function lanInterface(host: Host): Promise<IpInterface> {
  const found = (await interfacesOf(host)).find((i) => i.inet.some((a) => a.startsWith(`${host.address}/`)));
  if (!found) throw new LabbenchError(`${host.name}: no interface carries its LAN address ${host.address}`, { hint: "check the host's network with `ip a`" });
  return found;
}

/**
 * `docker network create -d <driver> --subnet <LAN> --gateway <LAN gateway> -o parent=<iface>
 * <name>` on host A, as the document's macvlan/ipvlan drivers take the LAN itself, after
 * removing what an earlier run left; checks the driver and keeps the parent it used in
 * ctx.state `parent` (`--set parent=IFACE` overrides host A's LAN interface).
 */
export async function createLanNetwork(ctx: StepContext, driver: 'macvlan' | 'ipvlan', network: string, container: string): Promise<void> {
  const { a } = hostPair(ctx);
  await removeContainers(a, [container]);
  await removeNetworks(a, [network]);
  const lan = ctx.lab.inventory.subnet;
  const parent = stringOverride(ctx.params, 'parent', (await lanInterface(a)).name);
  ctx.state.set('parent', parent);
  await a.$`docker network create -d ${driver} --subnet ${lan} --gateway ${gatewayOf(lan)} -o parent=${parent} ${network}`;
  const [inspect] = (await a.$`docker network inspect ${network}`).json<{ Driver: string; Options: Record<string, string> }[]>();
  ctx.expectEqual('Driver', inspect?.Driver, driver);
  ctx.expectEqual('Options.parent', inspect?.Options.parent, parent);
}

/**
 * A spare LAN address for a container on a LAN-parented network, counted from the top (rank 0:
 * the highest), so the macvlan (0) and ipvlan (1) scenarios never pick the same one.
 */
export function spareLanAddress(ctx: StepContext, rank: number): string {
  const lan = ctx.lab.inventory.subnet;
  return spareLanAddresses(lan, [gatewayOf(lan), ...ctx.hosts.map((h) => h.address)], rank + 1)[rank]!;
}

/** Removes a LAN-parented network and its container, and the neighbour entries pings left for it on both hosts. */
export async function removeLanNetwork(ctx: StepContext, network: string, container: string, ip: string): Promise<void> {
  const { a, b } = hostPair(ctx);
  await removeContainers(a, [container]);
  await removeNetworks(a, [network]);
  for (const h of [a, b]) await h.$`ip neigh del ${ip} dev ${(await lanInterface(h)).name} 2>/dev/null || true`;
}
