/**
 * The topology scene as a standalone SVG: boxes per kind, veth wires labelled with the host-side
 * veth, routes between hosts. Pure. Every text comes from the lab (container and network names are
 * the user's), so all of it is escaped.
 */
import { CHAR_WIDTH, LINE_HEIGHT, type Scene, type SceneBox, type SceneEdge } from './layout.ts';

const STYLE = `
.topology { font: 12px ui-monospace, 'DejaVu Sans Mono', monospace; }
.topology text { fill: #1f2328; white-space: pre; }
.topology .title { font-weight: bold; }
.topology .box-host > rect { fill: #f6f8fa; stroke: #57606a; stroke-width: 1.5; }
.topology .box-container > rect { fill: #ddf4ff; stroke: #0969da; }
.topology .box-bridge > rect { fill: #fff8c5; stroke: #9a6700; }
.topology .box-lan-iface > rect { fill: #eaeef2; stroke: #57606a; }
.topology .box-flannel > rect { fill: #fbefff; stroke: #8250df; }
.topology .box-lan > rect { fill: #dafbe1; stroke: #1a7f37; }
.topology .edge { fill: none; stroke: #57606a; stroke-width: 1.4; }
.topology .edge-route { stroke: #8250df; stroke-dasharray: 6 3; stroke-width: 1.8; }
.topology .edge-flannel-bridge { stroke: #8250df; }
.topology .edge-lan { stroke: #1a7f37; }
.topology .port { fill: #0969da; }
.topology .label rect { fill: #ffffff; opacity: 0.85; }
.topology .label-route text { fill: #6639ba; }
`;

export function renderTopologySvg(scene: Scene): string {
  const margin = 10;
  const width = Math.ceil(scene.width + 2 * margin);
  const height = Math.ceil(scene.height + 2 * margin);
  // Hosts first so their inner boxes draw above them; edges last so wires stay visible.
  const order: SceneBox['kind'][] = ['host', 'lan', 'bridge', 'lan-iface', 'flannel', 'container'];
  const boxes = [...scene.boxes].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="topology" width="${width}" height="${height}" viewBox="${-margin} ${-margin} ${width} ${height}">`,
    `<style>${STYLE}</style>`,
    ...boxes.map(renderBox),
    ...scene.ports.map((p) => `<rect class="port" data-id="${esc(p.id)}" x="${n(p.x)}" y="${n(p.y)}" width="${n(p.width)}" height="${n(p.height)}"/>`),
    ...scene.edges.map(renderEdge),
    '</svg>',
  ].join('\n');
}

function renderBox(b: SceneBox): string {
  const lines = b.lines.map((line, i) => {
    const y = b.y + 8 + (i + 1) * LINE_HEIGHT - 4;
    return `<text x="${n(b.x + 8)}" y="${n(y)}"${i === 0 ? ' class="title"' : ''}>${esc(line)}</text>`;
  });
  return `<g class="box box-${b.kind}" data-id="${esc(b.id)}" data-host="${esc(b.host)}"><rect x="${n(b.x)}" y="${n(b.y)}" width="${n(b.width)}" height="${n(b.height)}" rx="4"/>${lines.join('')}</g>`;
}

function renderEdge(e: SceneEdge): string {
  const d = e.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${n(p.x)},${n(p.y)}`).join(' ');
  const labels = e.labels.map(
    (l) =>
      `<g class="label label-${e.kind}"><rect x="${n(l.x)}" y="${n(l.y)}" width="${n(Math.max(l.width, l.text.length * CHAR_WIDTH))}" height="${n(l.height)}"/><text x="${n(l.x + 3)}" y="${n(l.y + l.height - 4)}">${esc(l.text)}</text></g>`,
  );
  return `<g class="wire wire-${e.kind}" data-id="${esc(e.id)}" data-source="${esc(e.source)}" data-target="${esc(e.target)}"><path class="edge edge-${e.kind}" d="${d}"/>${labels.join('')}</g>`;
}

const n = (v: number) => String(Math.round(v * 10) / 10);

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
