/**
 * Placing the topology with ELK (elkjs, the Eclipse Layout Kernel's JavaScript build): hosts as
 * compound nodes holding their containers, bridges and interfaces; a container's interfaces are
 * ports wired to their bridges, each wire labelled with the host-side veth; hosts are wired to
 * the LAN and to each other by their cross-host routes. The result is a Scene: absolute boxes,
 * polylines and labels, ready for the SVG renderer. Deterministic for a given model.
 */
import elkModule from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode, ElkPort } from 'elkjs/lib/elk-api.js';
import type { ContainerNode, HostNode, Topology } from './model.ts';

export type BoxKind = 'host' | 'container' | 'bridge' | 'lan-iface' | 'flannel' | 'lan';

export interface SceneBox {
  id: string;
  kind: BoxKind;
  x: number;
  y: number;
  width: number;
  height: number;
  /** Text lines, the first one the title. */
  lines: string[];
  /** The host it belongs to ('' for the LAN). */
  host: string;
}

export interface ScenePort {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface SceneEdge {
  id: string;
  kind: 'veth' | 'lan' | 'route' | 'flannel-bridge';
  /** Ids of the box (or port) it starts at and the box it ends at. */
  source: string;
  target: string;
  points: { x: number; y: number }[];
  labels: { text: string; x: number; y: number; width: number; height: number }[];
}

export interface Scene {
  width: number;
  height: number;
  boxes: SceneBox[];
  ports: ScenePort[];
  edges: SceneEdge[];
}

/** Character cell of the renderer's monospace font (12px), used to size boxes before layout. */
export const CHAR_WIDTH = 7.3;
export const LINE_HEIGHT = 16;
const PAD = 8;

const ROOT_OPTIONS = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.json.shapeCoords': 'ROOT',
  'elk.json.edgeCoords': 'ROOT',
  'elk.spacing.nodeNode': '28',
  'elk.layered.spacing.nodeNodeBetweenLayers': '44',
  'elk.spacing.edgeLabel': '4',
  'elk.edgeLabels.inline': 'false',
  'elk.layered.crossingMinimization.semiInteractive': 'false',
  'elk.randomSeed': '1',
  // Hosts and their parts in inventory order (hostA left of hostB), as far as the layers allow.
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
};

export async function layoutTopology(topology: Topology): Promise<Scene> {
  const boxes = new Map<string, Omit<SceneBox, 'x' | 'y' | 'width' | 'height'>>();
  const edgeKinds = new Map<string, SceneEdge['kind']>();
  const root: ElkNode = { id: 'root', layoutOptions: ROOT_OPTIONS, children: [], edges: [] };

  const leaf = (id: string, kind: BoxKind, host: string, lines: string[], ports: ElkPort[] = []): ElkNode => {
    boxes.set(id, { id, kind, host, lines });
    return {
      id,
      width: textWidth(lines),
      height: lines.length * LINE_HEIGHT + 2 * PAD,
      ...(ports.length > 0 ? { ports, layoutOptions: { 'elk.portConstraints': 'FIXED_ORDER' } } : {}),
    };
  };
  const edge = (id: string, kind: SceneEdge['kind'], source: string, target: string, label?: string): ElkExtendedEdge => {
    edgeKinds.set(id, kind);
    return {
      id,
      sources: [source],
      targets: [target],
      // veth names sit at the container's end of the wire, where `ip a` pairs them.
      ...(label
        ? {
            labels: [
              {
                text: label,
                width: label.length * CHAR_WIDTH + 6,
                height: LINE_HEIGHT,
                layoutOptions: { 'elk.edgeLabels.placement': kind === 'veth' ? 'TAIL' : 'CENTER' },
              },
            ],
          }
        : {}),
    };
  };

  root.children!.push(leaf('lan', 'lan', '', [`LAN ${topology.lan}`]));
  for (const host of topology.hosts) {
    const h = hostId(host.name);
    const children: ElkNode[] = [];
    for (const c of host.containers) children.push(containerNode(h, c, leaf));
    for (const b of host.bridges) {
      children.push(
        leaf(`${h}/br/${b.name}`, 'bridge', host.name, [b.name, ...b.addresses, ...(b.network ? [`network: ${b.network}`] : []), ...(b.up ? [] : ['(down)'])]),
      );
    }
    if (host.lan) children.push(leaf(`${h}/lan`, 'lan-iface', host.name, [host.lan.label, ...host.lan.addresses]));
    if (host.flannel) children.push(leaf(`${h}/flannel`, 'flannel', host.name, flannelLines(host)));
    boxes.set(h, { id: h, kind: 'host', host: host.name, lines: [`${host.name}${host.lan ? `  ${host.lan.addresses.join(' ')}` : ''}`, ...host.problems] });
    root.children!.push({
      id: h,
      children,
      layoutOptions: { 'elk.padding': `[top=${(1 + host.problems.length) * LINE_HEIGHT + 2 * PAD},left=12,bottom=12,right=12]` },
      width: textWidth(boxes.get(h)!.lines),
    });

    for (const c of host.containers) {
      for (const i of c.interfaces) {
        if (!i.hostPeer?.bridge) continue;
        root.edges!.push(edge(`${h}/veth/${c.name}/${i.name}`, 'veth', portId(h, c, i.name), `${h}/br/${i.hostPeer.bridge}`, i.hostPeer.label));
      }
    }
    if (host.lan) root.edges!.push(edge(`${h}/to-lan`, 'lan', `${h}/lan`, 'lan'));
    // docker0 carrying the flannel subnet is what makes the overlay reach the containers.
    const subnet = host.flannel?.subnet;
    const carrier = subnet ? host.bridges.find((b) => b.addresses.includes(subnet)) : undefined;
    if (carrier && host.flannel) root.edges!.push(edge(`${h}/flannel-bridge`, 'flannel-bridge', `${h}/br/${carrier.name}`, `${h}/flannel`));
  }
  // One wire per pair of hosts, labelled with each side's routes: two opposite wires would
  // stack the hosts and loop around them.
  const hostIndex = new Map(topology.hosts.map((h, i) => [h.name, i]));
  const pairs = new Map<string, { a: string; b: string; labels: string[] }>();
  for (const host of topology.hosts) {
    for (const r of host.routes) {
      for (const target of r.toHosts) {
        const [a, b] = [host.name, target].sort((x, y) => (hostIndex.get(x) ?? 0) - (hostIndex.get(y) ?? 0)) as [string, string];
        const pair = pairs.get(`${a}~${b}`) ?? { a, b, labels: [] };
        pair.labels.push(`${host.name} → ${target}: ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} dev ${r.dev}`);
        pairs.set(`${a}~${b}`, pair);
      }
    }
  }
  const endOf = (name: string) => {
    const h = topology.hosts.find((x) => x.name === name);
    return h?.flannel ? `${hostId(name)}/flannel` : `${hostId(name)}/lan`;
  };
  for (const { a, b, labels } of pairs.values()) {
    const [from, to] = [endOf(a), endOf(b)];
    if (!boxes.has(from) || !boxes.has(to)) continue;
    const e = edge(`route:${a}~${b}`, 'route', from, to);
    e.labels = labels.map((text) => ({ text, width: text.length * CHAR_WIDTH + 6, height: LINE_HEIGHT }));
    root.edges!.push(e);
  }

  // The CommonJS bundle is its own default export at run time; TypeScript sees it under .default.
  const laid = await new elkModule.default().layout(root);
  return toScene(laid, boxes, edgeKinds);
}

function containerNode(h: string, c: ContainerNode, leaf: (id: string, kind: BoxKind, host: string, lines: string[], ports?: ElkPort[]) => ElkNode): ElkNode {
  const lines = [
    c.name,
    `${c.id} ${c.image}`,
    ...(c.interfaces.length === 0 ? [`network: ${c.networkMode}`] : c.interfaces.map((i) => `${i.label} ${i.addresses.join(' ')}`.trim())),
  ];
  const ports: ElkPort[] = c.interfaces.map((i) => ({ id: portId(h, c, i.name), width: 8, height: 8, layoutOptions: { 'elk.port.side': 'SOUTH' } }));
  return leaf(`${h}/c/${c.name}`, 'container', h.slice('host:'.length), lines, ports);
}

function flannelLines(host: HostNode): string[] {
  const f = host.flannel!;
  return [
    f.link ? `${f.link.label} (${f.link.kind || 'flannel'})` : 'flannel (no interface: host-gw)',
    ...(f.link?.addresses ?? []),
    ...(f.subnet ? [`FLANNEL_SUBNET=${f.subnet}`] : []),
    ...(f.network ? [`FLANNEL_NETWORK=${f.network}`] : []),
    ...(f.mtu ? [`FLANNEL_MTU=${f.mtu}`] : []),
  ];
}

const hostId = (name: string) => `host:${name}`;
const portId = (h: string, c: ContainerNode, iface: string) => `${h}/c/${c.name}/${iface}`;

function textWidth(lines: string[]): number {
  return Math.ceil(Math.max(...lines.map((l) => l.length)) * CHAR_WIDTH + 2 * PAD);
}

function toScene(laid: ElkNode, boxes: Map<string, Omit<SceneBox, 'x' | 'y' | 'width' | 'height'>>, kinds: Map<string, SceneEdge['kind']>): Scene {
  const scene: Scene = { width: Math.ceil(laid.width ?? 0), height: Math.ceil(laid.height ?? 0), boxes: [], ports: [], edges: [] };
  const visit = (n: ElkNode) => {
    const meta = boxes.get(n.id);
    if (meta) scene.boxes.push({ ...meta, x: n.x ?? 0, y: n.y ?? 0, width: n.width ?? 0, height: n.height ?? 0 });
    for (const p of n.ports ?? []) scene.ports.push({ id: p.id, x: p.x ?? 0, y: p.y ?? 0, width: p.width ?? 0, height: p.height ?? 0 });
    for (const c of n.children ?? []) visit(c);
    for (const e of n.edges ?? []) {
      const points = (e.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]);
      scene.edges.push({
        id: e.id,
        kind: kinds.get(e.id) ?? 'veth',
        source: e.sources[0] ?? '',
        target: e.targets[0] ?? '',
        points,
        labels: (e.labels ?? []).map((l) => ({ text: l.text ?? '', x: l.x ?? 0, y: l.y ?? 0, width: l.width ?? 0, height: l.height ?? 0 })),
      });
    }
  };
  visit(laid);
  return scene;
}
