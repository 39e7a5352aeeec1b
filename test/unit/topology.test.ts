/**
 * The topology model, layout and SVG on what real lab hosts printed (test/fixtures/topology/,
 * captured by scripts/capture-topology.ts after each chapter's scenario): veth pairs matched by
 * their @ifN indices, bridges named by their Docker network, a container on two bridges, each
 * host's flannel subnet and its route to the other's.
 */

import { readFileSync } from 'node:fs';
import test from 'ava';
import { type HostCapture, parseCapture } from '../../src/topology/collect.ts';
import { layoutTopology, type Scene } from '../../src/topology/layout.ts';
import { buildTopology, type HostNode, type Topology } from '../../src/topology/model.ts';
import { renderTopologySvg } from '../../src/topology/svg.ts';

interface Fixture {
  subnet: string;
  hosts: { name: string; address: string }[];
  captures: HostCapture[];
}

const fixture = (name: string): Fixture => JSON.parse(readFileSync(new URL(`../fixtures/topology/${name}.json`, import.meta.url), 'utf8')) as Fixture;
const build = (f: Fixture): Topology => buildTopology(f.captures, { lan: f.subnet, hosts: f.hosts });
const host = (t: Topology, name: string): HostNode => t.hosts.find((h) => h.name === name)!;

test('parseCapture splits the collector output by section, with each container namespace', (t) => {
  const out =
    '\n@@labbench-topology addr\n[{"ifindex":1}]\n@@labbench-topology route\n[]\n@@labbench-topology netns server01\n[{"ifindex":4}]\n@@labbench-topology end\n';
  const c = parseCapture('hostB', out);
  t.is(c.addr, '[{"ifindex":1}]');
  t.is(c.route, '[]');
  t.is(c.subnetEnv, '');
  t.deepEqual(c.netns, { server01: '[{"ifindex":4}]' });
});

test('§3.5: network01 is br-<id> with both servers, each joined by the veth whose index is its @ifN', (t) => {
  const topo = build(fixture('custom-network'));
  const b = host(topo, 'hostB');
  t.is(b.lan?.addresses[0], '192.168.112.13/24');
  t.deepEqual(
    b.bridges.map((x) => [x.name, x.addresses.join(' '), x.network]),
    [
      ['docker0', '172.17.0.1/16', 'bridge'],
      ['br-f8a973079832', '172.10.0.1/24', 'network01'],
    ],
  );
  const servers = Object.fromEntries(
    b.containers.map((c) => [c.name, c.interfaces.map((i) => [i.label, i.addresses.join(' '), i.hostPeer?.label, i.hostPeer?.bridge, i.network])]),
  );
  t.deepEqual(servers, {
    server01: [['eth0@if5', '172.10.0.2/24', 'vethcc3d306@if4', 'br-f8a973079832', 'network01']],
    server02: [['eth0@if7', '172.10.0.3/24', 'vethafd586d@if6', 'br-f8a973079832', 'network01']],
  });
  t.deepEqual(b.bridges[1]!.ports.sort(), ['vethafd586d', 'vethcc3d306']);
  t.deepEqual(host(topo, 'hostA').containers, []);
  t.deepEqual(b.routes, [], 'no flannel yet: no cross-host routes');
  t.is(b.flannel, undefined);
});

test('§3.6: server01 and server03 each have an interface on network01 and on network02', (t) => {
  const b = host(build(fixture('connect-networks')), 'hostB');
  const bridgeOf = (name: string) => b.bridges.find((x) => x.network === name)!.name;
  for (const name of ['server01', 'server03']) {
    const c = b.containers.find((x) => x.name === name)!;
    t.deepEqual(c.interfaces.map((i) => i.hostPeer?.bridge).sort(), [bridgeOf('network01'), bridgeOf('network02')].sort(), name);
    for (const i of c.interfaces) {
      t.is(i.hostPeer?.peerIndex, i.ifindex, `${name} ${i.name}: the host veth's @ifN is the interface's index`);
      t.is(i.peerIndex, i.hostPeer?.ifindex, `${name} ${i.name}: its @ifN is the host veth's index`);
    }
  }
  const server02 = b.containers.find((x) => x.name === 'server02')!;
  t.deepEqual(
    server02.interfaces.map((i) => i.network),
    ['network01'],
  );
});

test('flannel: each host has its subnet from subnet.env and a route to the other host’s', (t) => {
  const f = fixture('flannel-two-host');
  const topo = build(f);
  const [a, b] = [host(topo, 'hostA'), host(topo, 'hostB')];
  for (const [self, other] of [
    [a, b],
    [b, a],
  ] as const) {
    const env = f.captures.find((c) => c.host === self.name)!.subnetEnv;
    t.is(self.flannel?.subnet, /FLANNEL_SUBNET=(\S+)/.exec(env)![1]);
    t.is(self.flannel?.network, '172.20.0.0/16');
    t.truthy(self.flannel?.link, `${self.name} has a flannel interface`);
    const otherNet = other.flannel!.subnet!.replace(/\.\d+\//, '.0/');
    const route = self.routes.find((r) => r.toHosts.includes(other.name));
    t.truthy(route, `${self.name} routes to ${other.name}`);
    t.true(route!.dst === otherNet || route!.dst === '172.20.0.0/16', `${self.name}: ${route!.dst} leads to ${otherNet}`);
    const carrier = self.bridges.find((x) => x.name === 'docker0')!;
    t.is(carrier.addresses[0], self.flannel!.subnet, `${self.name}: docker0 holds the flannel subnet's first address`);
  }
});

test('a source that printed no JSON is reported, not fatal', (t) => {
  const capture = parseCapture('hostA', '@@labbench-topology addr\nip: command not found\n');
  const topo = buildTopology([capture], { lan: '192.0.2.0/24', hosts: [{ name: 'hostA', address: '192.0.2.12' }] });
  t.deepEqual(topo.hosts[0]!.problems, ['hostA: ip -j -d addr did not print JSON']);
});

const inside = (s: Scene, inner: string, outer: string) => {
  const i = s.boxes.find((b) => b.id === inner)!;
  const o = s.boxes.find((b) => b.id === outer)!;
  return i.x >= o.x && i.y >= o.y && i.x + i.width <= o.x + o.width && i.y + i.height <= o.y + o.height;
};

test('layout: every part lies inside its host, hosts do not overlap, each veth wire ends on its bridge', async (t) => {
  const topo = build(fixture('connect-networks'));
  const scene = await layoutTopology(topo);
  for (const box of scene.boxes.filter((b) => b.kind !== 'host' && b.kind !== 'lan'))
    t.true(inside(scene, box.id, `host:${box.host}`), `${box.id} inside its host`);
  const [ha, hb] = ['host:hostA', 'host:hostB'].map((id) => scene.boxes.find((b) => b.id === id)!);
  t.true(ha!.x + ha!.width <= hb!.x || hb!.x + hb!.width <= ha!.x || ha!.y + ha!.height <= hb!.y || hb!.y + hb!.height <= ha!.y, 'hosts apart');
  const veths = scene.edges.filter((e) => e.kind === 'veth');
  t.is(veths.length, 5, 'server01 ×2, server02, server03 ×2');
  for (const e of veths) {
    const target = scene.boxes.find((b) => b.id === e.target)!;
    const end = e.points.at(-1)!;
    t.true(end.x >= target.x - 1 && end.x <= target.x + target.width + 1 && Math.abs(end.y - target.y) <= 1, `${e.id} ends on ${target.id}'s top edge`);
    t.regex(e.labels[0]!.text, /^veth[0-9a-f]{7}@if\d+$/);
  }
});

test('layout with flannel: one route wire between the hosts’ flannel boxes, labelled with each side’s route', async (t) => {
  const scene = await layoutTopology(build(fixture('flannel-two-host')));
  const routes = scene.edges.filter((e) => e.kind === 'route');
  t.deepEqual(
    routes.map((r) => [r.source, r.target, r.labels.map((l) => l.text)]),
    [['host:hostA/flannel', 'host:hostB/flannel', ['hostA → hostB: 172.20.0.0/16 dev flannel0', 'hostB → hostA: 172.20.0.0/16 dev flannel0']]],
  );
  t.true(routes[0]!.points.length >= 2);
});

test('SVG: deterministic, escapes every lab-provided text', async (t) => {
  const topo = build(fixture('custom-network'));
  const b = host(topo, 'hostB');
  b.containers[0]!.name = '<img src=x onerror=alert(1)>';
  const svg1 = renderTopologySvg(await layoutTopology(topo));
  const svg2 = renderTopologySvg(await layoutTopology(topo));
  t.is(svg1, svg2);
  t.false(svg1.includes('<img'));
  t.true(svg1.includes('&lt;img src=x onerror=alert(1)&gt;'));
  t.regex(svg1, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" class="topology"/);
  t.regex(svg1, /data-target="host:hostB\/br\/br-f8a973079832"/);
});
