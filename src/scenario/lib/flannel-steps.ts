/**
 * The flannel steps of a scenario on one host: its /etc/sysconfig/flanneld written and checked,
 * flanneld installed (where the host's package sources and route out allow, HostOffers) and
 * started the document's way, its subnet.env read, and flannel's lease value in etcd for a
 * backend. Each shows up in the transcript as the commands it runs.
 */
import { TimeoutError } from '../../errors.ts';
import { DEFAULT_SUBNET_FILE } from '../../flannel/subnet-env.ts';
import { parseEnvironmentFile, SYSCONFIG_PATH } from '../../flannel/sysconfig.ts';
import type { Host } from '../../host.ts';
import type { ScenarioParams, StepContext } from '../define.ts';
import { installFlanneld, stopFlannel } from './flannel-install.ts';
import { removeContainers } from './host-steps.ts';
import { startAndEnableBound } from './unit-start.ts';

/** Where flanneld finds its configuration: etcd's client URL and the key prefix. */
export interface FlannelEtcd {
  endpoint: string;
  prefix: string;
}

export type FlannelBackend = NonNullable<ScenarioParams['backend']>;

export async function writeSysconfig(h: Host, etcd: FlannelEtcd): Promise<void> {
  await h.put(SYSCONFIG_PATH, `FLANNEL_ETCD_ENDPOINTS="${etcd.endpoint}"\nFLANNEL_ETCD_PREFIX="${etcd.prefix}"\n`);
  await h.$`cat ${SYSCONFIG_PATH}`;
}

export async function checkSysconfig(ctx: StepContext, h: Host, etcd: FlannelEtcd): Promise<void> {
  const read = await h.$({ nothrow: true })`cat ${SYSCONFIG_PATH}`;
  if (!ctx.check(`${h.name}: ${SYSCONFIG_PATH} exists`, read.ok, { hint: `install flannel on ${h.name}, then edit ${SYSCONFIG_PATH}` })) return;
  const conf = parseEnvironmentFile(read.stdout);
  ctx.expectEqual(
    `${h.name}: FLANNEL_ETCD_ENDPOINTS`,
    conf.FLANNEL_ETCD_ENDPOINTS,
    etcd.endpoint,
    `flanneld on ${h.name} must reach etcd on host A: "${etcd.endpoint}"`,
  );
  ctx.expectEqual(
    `${h.name}: FLANNEL_ETCD_PREFIX`,
    conf.FLANNEL_ETCD_PREFIX,
    etcd.prefix,
    'the prefix is where etcdctl mk stored the config key, without /config',
  );
}

/** flanneld onto the host, unless the flannel package is there already and no --flanneld was given; says what it installed. */
export async function installFlannelOn(ctx: StepContext, h: Host): Promise<void> {
  if (!ctx.params.flanneld && (await h.$({ nothrow: true, quiet: true })`dpkg -s flannel >/dev/null 2>&1`).ok) return;
  const how = await installFlanneld(h, { ...(ctx.params.flanneld ? { source: ctx.params.flanneld } : {}), online: ctx.lab.inventory.offers.online });
  ctx.note(`${h.name}: ${how}`);
}

/** systemctl start flanneld && systemctl enable flanneld, bounded, with a diagnosis when it does not start. */
export async function startFlanneld(ctx: StepContext, h: Host, etcd: FlannelEtcd): Promise<void> {
  if (ctx.params.flanneld || !(await h.$({ nothrow: true, quiet: true })`systemctl cat flanneld >/dev/null 2>&1`).ok) await installFlannelOn(ctx, h);
  if ((await h.$({ nothrow: true })`systemctl is-active flanneld`).ok) {
    ctx.note(`${h.name}: flanneld was already running (kept lab): stopping it and clearing its data plane so it starts from the current configuration`);
    await removeContainers(h, ['test']);
    await stopFlannel(h);
  }
  // flanneld's start completes once it holds a lease, which takes longer on a slow machine.
  const bound = await startAndEnableBound(h, 'flanneld');
  const started = performance.now();
  const start = await h.$({ timeoutMs: bound, nothrow: true })`systemctl start flanneld && systemctl enable flanneld`;
  const active = (await h.$({ nothrow: true })`systemctl is-active flanneld`).text();
  if (!start.ok && active !== 'active') {
    const seconds = Math.round((performance.now() - started) / 1000);
    // systemd gives up first when the unit's own start timeout is shorter than labbench's bound.
    const how = seconds < bound / 1000 ? `systemctl start flanneld failed after ${seconds}s` : `not started within ${Math.round(bound / 1000)}s`;
    throw new TimeoutError(`${h.name}: flanneld did not start (${how}) — ${await diagnoseFlanneld(h, etcd)}`);
  }
}

export async function checkFlanneld(ctx: StepContext, h: Host): Promise<void> {
  const hint = `systemctl start flanneld && systemctl enable flanneld on ${h.name}; journalctl -u flanneld says why it does not start`;
  ctx.expectEqual(`flanneld is active on ${h.name}`, (await h.$({ nothrow: true })`systemctl is-active flanneld`).text(), 'active', hint);
  ctx.expectEqual(`flanneld is enabled on ${h.name}`, (await h.$({ nothrow: true })`systemctl is-enabled flanneld`).text(), 'enabled', hint);
}

/** The host's /run/flannel/subnet.env, or undefined while there is none (read quietly: the transcript shows the document's own `cat`). */
export async function subnetEnvOf(h: Host): Promise<Record<string, string> | undefined> {
  const r = await h.$({ nothrow: true, quiet: true })`cat ${DEFAULT_SUBNET_FILE}`;
  return r.ok && r.stdout.trim() !== '' ? parseEnvironmentFile(r.stdout) : undefined;
}

/** Why a host has no subnet.env: the daemon's state, its last log lines, and whether etcd answers. */
export async function diagnoseFlanneld(h: Host, etcd: FlannelEtcd): Promise<string> {
  const active = (await h.$({ nothrow: true })`systemctl is-active flanneld`).text();
  const log = (await h.$({ nothrow: true })`journalctl -u flanneld -n 3 --no-pager -o cat`).text().split('\n').join(' | ');
  const answer = await h.$({ nothrow: true, timeoutMs: 15_000 })`ETCDCTL_API=2 etcdctl --no-sync --endpoints ${etcd.endpoint} --timeout 3s ls /`;
  const reach = answer.ok ? `etcd at ${etcd.endpoint} answers` : `etcd at ${etcd.endpoint} does not answer`;
  return `flanneld is ${active || 'unknown'}; ${reach}; last log: ${log || '(none)'}`;
}

/** flannel's lease value for a backend (flannel-facts §1.3): field order and nulls exactly as flannel writes them. */
export function expectedLease(backend: FlannelBackend, publicIp: string, vtepMac: string): string {
  const base = { PublicIP: publicIp, PublicIPv6: null };
  if (backend === 'udp') return JSON.stringify(base);
  if (backend === 'host-gw') return JSON.stringify({ ...base, BackendType: 'host-gw' });
  return JSON.stringify({ ...base, BackendType: 'vxlan', BackendData: { VNI: 1, VtepMAC: vtepMac } });
}
