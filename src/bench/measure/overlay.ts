/**
 * Getting the lab's flannel overlay onto the backend a run needs. The configuration is the
 * course document's, made by the flannel-two-host scenario (kept in place, not cleaned up);
 * when the lab already carries the wanted backend, nothing is touched.
 */
import flannelTwoHost, { ETCD_PREFIX } from '../../../scenarios/flannel-two-host.ts';
import { LabbenchError } from '../../errors.ts';
import { configKey } from '../../flannel/lease.ts';
import { DEFAULT_SUBNET_FILE } from '../../flannel/subnet-env.ts';
import { parseEnvironmentFile } from '../../flannel/sysconfig.ts';
import type { Lab } from '../../lab.ts';
import { type RunObserver, runScenario } from '../../scenario/runner.ts';
import type { Backend } from '../plan/suite.ts';
import type { BenchHosts } from './paths.ts';

/** What the lab's overlay looks like now. */
export interface OverlayState {
  /** The backend in etcd's flannel config (flannel's default, udp, when the config names none); null when unconfigured. */
  backend: Backend | null;
  /** flanneld runs on both hosts, each has its subnet.env, and docker0 carries that subnet. */
  ready: boolean;
  /** FLANNEL_MTU of host A's subnet.env, when present. */
  mtu: number | null;
}

/** The backend a flannel network config names (udp when it names none, as flannel does). */
export function backendOfConfig(configJson: string): Backend | null {
  try {
    const config = JSON.parse(configJson) as { Backend?: { Type?: unknown } };
    const type = config.Backend?.Type ?? 'udp';
    return type === 'udp' || type === 'vxlan' || type === 'host-gw' ? type : null;
  } catch {
    return null;
  }
}

/** Reads the overlay's state from the hosts (read-only). */
export async function overlayState(hosts: BenchHosts): Promise<OverlayState> {
  const config = await hosts.a.$({ nothrow: true, quiet: true })`ETCDCTL_API=2 etcdctl get ${configKey(ETCD_PREFIX)}`;
  const backend = config.ok ? backendOfConfig(config.text()) : null;
  let ready = backend !== null;
  let mtu: number | null = null;
  for (const host of [hosts.a, hosts.b]) {
    if (!ready) break;
    const active = await host.$({ nothrow: true, quiet: true })`systemctl is-active flanneld`;
    const env = await host.$({ nothrow: true, quiet: true })`cat ${DEFAULT_SUBNET_FILE}`;
    const docker0 = await host.$({ nothrow: true, quiet: true })`ip -o -4 addr show dev docker0`;
    const subnet = env.ok ? parseEnvironmentFile(env.stdout).FLANNEL_SUBNET : undefined;
    ready = active.text() === 'active' && subnet !== undefined && docker0.stdout.includes(` ${subnet} `);
    if (host === hosts.a && env.ok) mtu = Number(parseEnvironmentFile(env.stdout).FLANNEL_MTU) || null;
  }
  return { backend, ready, mtu };
}

/**
 * Makes sure flannel runs the backend, given the overlay's current state; returns true when it
 * had to (re)configure the lab, which restarts Docker on both hosts and so ends every container there.
 */
export async function ensureOverlay(lab: Lab, state: OverlayState, backend: Backend, observer: RunObserver = {}): Promise<boolean> {
  if (state.ready && state.backend === backend) return false;
  const report = await runScenario(flannelTwoHost, lab, { backend, overrides: {} }, observer, { cleanup: false });
  if (report.verdict !== 'PASS') {
    const failed = report.steps.find((s) => s.verdict === 'FAIL');
    throw new LabbenchError(
      `configuring flannel with the ${backend} backend failed${failed ? ` at "${failed.title}": ${failed.reason ?? 'a check failed'}` : ''}`,
      {
        hint: `run \`pnpm scenario ${flannelTwoHost.name} --backend ${backend} --name ${lab.inventory.lab} --keep\` to see the whole transcript`,
      },
    );
  }
  return true;
}
