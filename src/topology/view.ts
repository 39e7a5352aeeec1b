/**
 * The topology of a running lab, end to end: read every host, build the model, lay it out, draw
 * it. One refresh runs at a time; asking during a refresh gets the next one (so a command typed
 * meanwhile is in the picture), never a stale one.
 */
import type { Lab } from '../lab.ts';
import { captureHosts } from './collect.ts';
import { layoutTopology } from './layout.ts';
import { buildTopology, type Topology } from './model.ts';
import { renderTopologySvg } from './svg.ts';

export interface TopologyView {
  topology: Topology;
  svg: string;
  /** When the hosts were read (ISO time). */
  at: string;
}

export async function readTopology(lab: Lab): Promise<TopologyView> {
  const at = new Date().toISOString();
  const captures = await captureHosts(lab.hosts);
  const topology = buildTopology(captures, { lan: lab.inventory.subnet, hosts: lab.inventory.hosts.map((h) => ({ name: h.name, address: h.address })) });
  return { topology, svg: renderTopologySvg(await layoutTopology(topology)), at };
}

/** Serialises refreshes: at most one running and one queued behind it. */
export function singleFlight<T>(work: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  let queued: Promise<T> | undefined;
  return () => {
    if (!running) {
      running = work().finally(() => (running = undefined));
      return running;
    }
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        running = work().finally(() => (running = undefined));
        return running;
      });
    return queued;
  };
}
