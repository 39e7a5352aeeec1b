/** Helpers for the course integration tests: typing into a host's login shell, and a snapshot of what a check must not change. */
import test from 'ava';
import type { Host } from '../../src/host.ts';
import { type Lab, openLab } from '../../src/lab.ts';
import { LocalProvider } from '../../src/providers/local/provider.ts';
import { quoteArg } from '../../src/shell-quote.ts';
import { cli } from './cli.ts';

/** One lab for a whole test file: `pnpm lab up` before, `pnpm lab down` after; returns a getter for the opened lab. */
export function labForFile(name: string, subnet: string): () => Lab {
  let lab: Lab | undefined;
  test.before(async () => {
    // --recreate: a lab left by an interrupted earlier run must not leak its state into this file's tests.
    const up = await cli(['lab', 'up', '--name', name, '--subnet', subnet, '--recreate']);
    if (up.code !== 0) throw new Error(up.stdout + up.stderr);
    lab = await openLab((await new LocalProvider().inventory(name))!);
  });
  test.after.always(async () => {
    await lab?.close();
    await cli(['lab', 'down', '--name', name]);
  });
  return () => lab!;
}

/** Runs a command line in a login shell on the host, as a student typing it would (profile.d read). */
export function typeIn(host: Host, command: string, timeoutMs = 120_000) {
  return host.run(`bash -lc ${quoteArg(command)}`, { nothrow: true, timeoutMs });
}

/** Everything a check could change on a host, as text that compares equal when nothing changed. */
export async function snapshotHost(h: Host): Promise<Record<string, string>> {
  const q = async (command: string) => (await h.run(command, { quiet: true, nothrow: true })).stdout.trim();
  return {
    containers: await q("docker ps -a --format '{{.Names}} {{.Image}} {{.State}}' | sort"),
    networks: await q("docker network ls --format '{{.Name}} {{.Driver}}' | sort"),
    etc: await q('find /etc -xdev -type f -print0 | sort -z | xargs -0 md5sum'),
    iptables: await q('iptables -S; iptables -t nat -S'),
    // Without the carrier state (linkdown): docker0 loses its carrier a moment after its last container stops.
    routes: await q("ip route | sed 's/ linkdown//'; ip -o link | cut -d: -f2 | sort"),
    services: await q('systemctl is-active docker etcd flanneld; true'),
  };
}
