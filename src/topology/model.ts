/**
 * The lab's live network topology, built from what the hosts report (see collect.ts) and nothing
 * else: never from what a scenario expects. Pure: captures in, model out.
 *
 * Per host: its LAN interface, every Linux bridge (docker0, br-<id>, …) with its addresses and
 * Docker network, every running container with its interfaces, each joined to its bridge by the
 * host-side veth whose peer it is (names and @ifN indices as `ip a` prints them), flannel's
 * interface and subnet, and the routes that lead to other hosts' subnets.
 */
import { parseDotenv } from '../flannel/subnet-env.ts';
import { contains, overlaps, tryParseCidr, tryParseIp } from '../net/ipv4.ts';
import type { HostCapture } from './collect.ts';

export interface Topology {
  hosts: HostNode[];
  /** The lab LAN (the inventory's subnet). */
  lan: string;
}

export interface HostNode {
  name: string;
  /** The interface holding the host's LAN address, e.g. eth0@if12 192.168.100.12/24. */
  lan?: LinkNode;
  bridges: BridgeNode[];
  containers: ContainerNode[];
  flannel?: FlannelNode;
  /** Routes toward other hosts' container subnets (flannel, host-gw) — how this host reaches them. */
  routes: RouteNode[];
  /** Sources that could not be read, to show rather than hide. */
  problems: string[];
}

/** One interface as `ip a` shows it: `7: veth1a2b3c@if6`. */
export interface LinkNode {
  name: string;
  ifindex: number;
  /** The peer's ifindex (veth, or the outer end of a host's own eth0), shown as @ifN. */
  peerIndex?: number;
  /** `name@ifN` as `ip a` prints it. */
  label: string;
  kind: string;
  /** IPv4 addresses with their prefix, e.g. 172.17.0.1/16. */
  addresses: string[];
  up: boolean;
  mtu?: number;
}

export interface BridgeNode extends LinkNode {
  /** The Docker network whose bridge this is, e.g. bridge, network01. */
  network?: string;
  /** Names of the interfaces enslaved to it. */
  ports: string[];
}

export interface ContainerNode {
  name: string;
  id: string;
  image: string;
  /** Docker's network mode: default/bridge, a network name, host, none, container:<id>. */
  networkMode: string;
  interfaces: ContainerInterface[];
}

export interface ContainerInterface extends LinkNode {
  /** The host-side end of this interface's veth pair, and the bridge it is a port of. */
  hostPeer?: LinkNode & { bridge?: string };
  /** The Docker network it belongs to (by the bridge it is plugged into). */
  network?: string;
}

export interface FlannelNode {
  /** flannel.1 (vxlan), flannel0 (udp), or absent for host-gw. */
  link?: LinkNode;
  /** FLANNEL_NETWORK, FLANNEL_SUBNET, FLANNEL_MTU as subnet.env has them. */
  network?: string;
  subnet?: string;
  mtu?: string;
}

export interface RouteNode {
  dst: string;
  gateway?: string;
  dev: string;
  /**
   * The hosts it leads to: those whose flannel subnet `dst` covers or lies in (udp's one
   * 172.20.0.0/16 route via flannel0 leads to every other host), or whose LAN or flannel
   * address is the gateway (host-gw, vxlan).
   */
  toHosts: string[];
}

interface IpAddrEntry {
  ifindex: number;
  ifname: string;
  link_index?: number;
  flags?: string[];
  mtu?: number;
  master?: string;
  operstate?: string;
  linkinfo?: { info_kind?: string };
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

interface IpRouteEntry {
  dst?: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
}

interface BridgeLinkEntry {
  ifname?: string;
  master?: string;
}

interface DockerNetwork {
  Name?: string;
  Id?: string;
  Driver?: string;
  Options?: Record<string, string>;
}

interface DockerContainer {
  Id?: string;
  Name?: string;
  Config?: { Image?: string };
  HostConfig?: { NetworkMode?: string };
}

/** What the builder knows besides the captures: the inventory's hosts and LAN. */
export interface TopologyContext {
  lan: string;
  hosts: { name: string; address: string }[];
}

export function buildTopology(captures: HostCapture[], context: TopologyContext): Topology {
  const perHost = captures.map((c) => buildHost(c, context));
  // Routes name the host they lead to once every host's flannel subnet and LAN address is known.
  for (const host of perHost) {
    for (const route of host.routes) route.toHosts = reachedBy(route, perHost, context, host.name);
  }
  return { hosts: perHost, lan: context.lan };
}

function buildHost(capture: HostCapture, context: TopologyContext): HostNode {
  const problems: string[] = [];
  const links = parseJsonArray<IpAddrEntry>(capture.addr, `${capture.host}: ip -j -d addr`, problems).map(toLink);
  const raw = new Map(parseJsonArray<IpAddrEntry>(capture.addr, '', []).map((e) => [e.ifname, e]));
  const ports = parseJsonArray<BridgeLinkEntry>(capture.bridge, `${capture.host}: bridge -j link`, problems);
  const networks = parseJsonArray<DockerNetwork>(capture.networks, `${capture.host}: docker network inspect`, problems);
  const containers = parseJsonArray<DockerContainer>(capture.containers, `${capture.host}: docker inspect`, problems);
  const routes = parseJsonArray<IpRouteEntry>(capture.route, `${capture.host}: ip -j route`, problems);

  const masterOf = (name: string) => ports.find((p) => p.ifname === name)?.master ?? raw.get(name)?.master;
  const bridges: BridgeNode[] = links
    .filter((l) => l.kind === 'bridge')
    .map((l) => ({
      ...l,
      ...optional('network', networkOfBridge(l.name, networks)),
      ports: links.filter((p) => masterOf(p.name) === l.name).map((p) => p.name),
    }));

  const address = context.hosts.find((h) => h.name === capture.host)?.address;
  const lan = links.find((l) => address !== undefined && l.addresses.some((a) => a.split('/')[0] === address));

  const hostContainers: ContainerNode[] = containers.map((c) => {
    const name = (c.Name ?? '').replace(/^\//, '');
    const inner = capture.netns[name];
    const innerLinks = inner === undefined ? [] : parseJsonArray<IpAddrEntry>(inner, `${capture.host}: ${name}'s ip -j -d addr`, problems).map(toLink);
    const interfaces: ContainerInterface[] = innerLinks
      .filter((l) => l.kind !== 'loopback')
      .map((l) => {
        // The host-side veth whose peer is this interface: its ifindex is our @ifN, and its @ifN is our index.
        const peer = links.find((h) => h.kind === 'veth' && h.ifindex === l.peerIndex && h.peerIndex === l.ifindex);
        const bridge = peer ? masterOf(peer.name) : undefined;
        const network = bridge ? bridges.find((b) => b.name === bridge)?.network : undefined;
        return {
          ...l,
          ...optional('hostPeer', peer ? { ...peer, ...optional('bridge', bridge) } : undefined),
          ...optional('network', network),
        };
      });
    return {
      name,
      id: (c.Id ?? '').slice(0, 12),
      image: c.Config?.Image ?? '',
      networkMode: c.HostConfig?.NetworkMode ?? '',
      interfaces,
    };
  });

  const env = parseDotenv(capture.subnetEnv);
  const flannelLink = links.find((l) => /^flannel[.0-9]/.test(l.name));
  const flannel: FlannelNode | undefined =
    flannelLink || env.size > 0
      ? {
          ...optional('link', flannelLink),
          ...optional('network', env.get('FLANNEL_NETWORK')),
          ...optional('subnet', env.get('FLANNEL_SUBNET')),
          ...optional('mtu', env.get('FLANNEL_MTU')),
        }
      : undefined;

  const flannelNetwork = tryParseCidr(env.get('FLANNEL_NETWORK') ?? '', false);
  const ownSubnet = tryParseCidr(env.get('FLANNEL_SUBNET') ?? '', false);
  const bridgeNames = new Set(bridges.map((b) => b.name));
  const crossHost = routes.filter((r) => {
    if (!r.dst || r.dst === 'default' || !r.dev || bridgeNames.has(r.dev)) return false;
    if (flannelLink && r.dev === flannelLink.name) return true;
    const dst = tryParseCidr(r.dst.includes('/') ? r.dst : `${r.dst}/32`, false);
    if (!dst) return false;
    const inFlannel = flannelNetwork !== undefined && overlaps(flannelNetwork, dst) && !(ownSubnet && overlaps(ownSubnet, dst));
    return inFlannel || (r.gateway !== undefined && context.hosts.some((h) => h.address === r.gateway && h.name !== capture.host));
  });

  return {
    name: capture.host,
    ...optional('lan', lan),
    bridges,
    containers: hostContainers,
    ...optional('flannel', flannel),
    routes: crossHost.map((r) => ({ dst: r.dst!, dev: r.dev!, ...optional('gateway', r.gateway), toHosts: [] })),
    problems,
  };
}

function toLink(e: IpAddrEntry): LinkNode {
  const peerIndex = e.link_index;
  const kind = e.linkinfo?.info_kind ?? (e.flags?.includes('LOOPBACK') ? 'loopback' : '');
  return {
    name: e.ifname,
    ifindex: e.ifindex,
    ...optional('peerIndex', peerIndex),
    label: peerIndex === undefined ? e.ifname : `${e.ifname}@if${peerIndex}`,
    kind,
    addresses: (e.addr_info ?? []).filter((a) => a.family === 'inet' && a.local).map((a) => `${a.local}/${a.prefixlen}`),
    up: e.flags?.includes('UP') ?? false,
    ...optional('mtu', e.mtu),
  };
}

/** docker0 is the `bridge` network's; br-<12 hex> is the network with that ID; an explicit name option wins. */
function networkOfBridge(bridge: string, networks: DockerNetwork[]): string | undefined {
  const named = networks.find((n) => n.Options?.['com.docker.network.bridge.name'] === bridge);
  if (named) return named.Name;
  if (bridge.startsWith('br-')) return networks.find((n) => n.Driver === 'bridge' && n.Id?.startsWith(bridge.slice(3)))?.Name;
  return undefined;
}

/** The other hosts a cross-host route leads to (see RouteNode.toHosts). */
function reachedBy(route: RouteNode, hosts: HostNode[], context: TopologyContext, self: string): string[] {
  const dst = tryParseCidr(route.dst.includes('/') ? route.dst : `${route.dst}/32`, false);
  const gateway = route.gateway === undefined ? undefined : tryParseIp(route.gateway);
  return hosts
    .filter((h) => {
      if (h.name === self) return false;
      const subnet = tryParseCidr(h.flannel?.subnet ?? '', false);
      if (dst && subnet && overlaps(dst, subnet)) return true;
      if (gateway === undefined) return false;
      return context.hosts.some((x) => x.name === h.name && x.address === route.gateway) || (subnet !== undefined && contains(subnet, gateway));
    })
    .map((h) => h.name);
}

function parseJsonArray<T>(text: string, what: string, problems: string[]): T[] {
  if (text.trim() === '') return [];
  try {
    const data = JSON.parse(text) as unknown;
    return Array.isArray(data) ? (data as T[]) : [];
  } catch {
    if (what) problems.push(`${what} did not print JSON`);
    return [];
  }
}

/** `{ key: value }` when value is defined, else `{}` (exactOptionalPropertyTypes). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}
