/**
 * Captures what the topology collector reads on each host of a running lab, as a fixture for the
 * model builder's unit tests: `tsx scripts/capture-topology.ts LAB OUT.json`.
 */
import { writeFile } from 'node:fs/promises';
import { openLab } from '../src/lab.ts';
import { createProvider } from '../src/providers/registry.ts';
import { captureHosts } from '../src/topology/collect.ts';

const [lab = 'lab', out = 'capture.json'] = process.argv.slice(2);
const inventory = await (await createProvider('local')).inventory(lab);
if (!inventory) throw new Error(`lab "${lab}" is not up`);
const opened = await openLab(inventory);
try {
  const captures = await captureHosts(opened.hosts);
  await writeFile(
    out,
    `${JSON.stringify({ lab: inventory.lab, subnet: inventory.subnet, hosts: inventory.hosts.map((h) => ({ name: h.name, address: h.address })), captures }, null, 1)}\n`,
  );
  process.stdout.write(`wrote ${out}\n`);
} finally {
  await opened.close();
}
