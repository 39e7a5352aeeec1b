/**
 * The agent's life, in flanneld's order: pick the interface, find the config in etcd (choosing
 * the API), set up the backend device, acquire the lease, write subnet.env, install iptables
 * rules, then keep the data plane in line with the leases in etcd, renew the lease, and keep
 * the iptables rules, until stopped or until its own lease is deleted.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { basename, dirname, join } from 'node:path';
import { ConfigError, formatError, LabbenchError } from '../../errors.ts';
import { type Cidr, formatCidr, formatIp, sameCidr } from '../../net/ipv4.ts';
import { backendMtu } from '../backend.ts';
import { type NetworkConfig, parseNetworkConfig } from '../config.ts';
import { diffDataplane, diffDevice } from '../dataplane/diff.ts';
import {
  type DataplaneContext,
  type DeviceSpec,
  deviceSpec,
  isManagedAddress,
  isManagedRoute,
  planDataplane,
  type RouteEntry,
  type VxlanDeviceSpec,
} from '../dataplane/plan.ts';
import { EtcdHttp } from '../etcd/http.ts';
import { SUBNET_TTL_SECONDS, type SubnetRegistry } from '../etcd/registry.ts';
import { decideEtcdApi } from '../etcd/select.ts';
import { EtcdV2Registry } from '../etcd/v2.ts';
import { EtcdV3Registry } from '../etcd/v3.ts';
import { chooseExternalInterface, type ExternalInterface } from '../iface.ts';
import { forwardRules, type IptablesRule, masqRules } from '../iptables-rules.ts';
import { decodeLeaseAttrs, encodeLeaseAttrs, type OwnLeaseAttrs } from '../lease.ts';
import type { AgentOptions } from '../options.ts';
import { backoffDelayMs, sleep } from '../retry.ts';
import { type PreviousSubnetEnv, parseSubnetEnv, renderSubnetEnv } from '../subnet-env.ts';
import { agentVersionText } from '../version.ts';
import type { CommandRunner } from './exec.ts';
import { deleteRules, ensureRules, installRules, iptablesSupportsRandomFully } from './iptables.ts';
import { applyKernelOps, readDataplane, readDevice, readInterfaces } from './kernel.ts';
import type { AgentLog } from './log.ts';
import { acquireLease, type HeldLease } from './subnet-lease.ts';
import { UdpRelay } from './udp-relay.ts';

/** What the agent needs from the outside world. */
export interface AgentDeps {
  runner: CommandRunner;
  log: AgentLog;
  /** Aborted on SIGTERM/SIGINT. */
  signal: AbortSignal;
  /** Path of udp-relay.py. */
  relayScriptPath: string;
  random?: () => number;
}

/** Longest wait on an etcd watch before the leases are listed and the kernel checked again. */
export const SYNC_INTERVAL_MS = 10_000;
/** flannel retries a failed renewal after one minute. */
export const RENEW_RETRY_MS = 60_000;

/** Runs the agent until stopped (exit code 0) or until its lease is revoked (1). */
export async function runAgent(options: AgentOptions, deps: AgentDeps): Promise<number> {
  const { runner, log } = deps;
  log.info(agentVersionText());
  await rm(options.readyFile, { force: true });

  const ext = chooseExternalInterface({
    ...(await readInterfaces(runner)),
    ifaces: options.ifaces,
    ifaceRegexes: options.ifaceRegexes,
    publicIp: options.publicIp,
  });
  log.info(`Using interface with name ${ext.name} and address ${formatIp(ext.address)} (${ext.reason})`);
  log.info(`Using ${formatIp(ext.publicIp)} as external address`);

  const http = new EtcdHttp(options.etcdEndpoints);
  const connected = await retrying('getting the flannel network config', deps, () => connect(http, options, log));
  if (!connected) return 0;
  const { registry, config } = connected;
  if (config.backend.type === 'host-gw' && ext.publicIp !== ext.address) {
    throw new ConfigError(
      `your PublicIP (${formatIp(ext.publicIp)}) differs from interface IP (${formatIp(ext.address)}), meaning that probably you're on a NAT, which is not supported by host-gw backend`,
      {
        hint: 'drop -public-ip, or use the vxlan backend',
      },
    );
  }

  const base: Omit<DataplaneContext, 'ownSubnet'> = {
    backend: config.backend,
    network: config.network,
    ext: { name: ext.name, mtu: ext.mtu, address: ext.address, prefix: ext.prefix, publicIp: ext.publicIp },
  };
  const device = deviceSpec(base);
  let vtepMac: string | undefined;
  if (device?.kind === 'vxlan') {
    vtepMac = await retrying(`setting up ${device.name}`, deps, () => ensureVxlanDevice(runner, device, log));
    if (vtepMac === undefined) return 0;
  }

  const previous = await readPreviousSubnetEnv(options.subnetFile);
  // The attrs change only if flannel.<VNI> is recreated with a new MAC; the renew loop reads them here.
  const state = { attrs: ownAttrs(config, ext, vtepMac) };
  const held = await retrying('acquiring a subnet lease', deps, () => acquireLease(registry, config, state.attrs, previous.subnet, log, deps.random));
  if (!held) return 0;
  log.info(`Lease acquired: ${formatCidr(held.subnet)}`);

  const mtu = backendMtu(config.backend, ext.mtu);
  await writeAtomically(options.subnetFile, renderSubnetEnv({ network: config.network, subnet: held.subnet, mtu, ipMasq: options.ipMasq }));
  log.info(`Wrote ${options.subnetFile} (FLANNEL_SUBNET ${formatIp(held.subnet.network + 1)}/${held.subnet.prefix}, FLANNEL_MTU ${mtu})`);

  const ruleSets = await setUpIptables(runner, log, options, config, held.subnet, previous);

  const stop = new AbortController();
  const onStop = (): void => stop.abort();
  deps.signal.addEventListener('abort', onStop);
  if (deps.signal.aborted) stop.abort();
  const status = { ready: false };
  const server = options.healthzPort > 0 ? startHealthz(options, status, log) : undefined;
  const relay =
    config.backend.type === 'udp'
      ? new UdpRelay(
          {
            scriptPath: deps.relayScriptPath,
            device: device!.name,
            bindAddress: formatIp(ext.address),
            port: config.backend.port,
            tunAddress: formatIp(held.subnet.network),
          },
          log,
        )
      : undefined;

  const ctx: DataplaneContext = { ...base, ownSubnet: held.subnet };
  const renewing = renewLoop(registry, held, state, options, log, stop.signal);
  const resyncing = iptablesLoop(runner, ruleSets, options.iptablesResync, log, stop.signal);
  let exitCode = 0;
  let failures = 0;
  try {
    while (!stop.signal.aborted) {
      try {
        const synced = await syncOnce({ runner, log, registry, ctx, device, relay, held, state });
        if (synced === 'revoked') {
          log.error('Lease has been revoked. Shutting down daemon.');
          exitCode = 1;
          break;
        }
        if (!status.ready) {
          await writeAtomically(options.readyFile, `${formatCidr(held.subnet)}\n`);
          status.ready = true;
          log.info(`Running: ${config.backend.type} backend up, ${synced.leaseCount} lease(s) in etcd`);
        }
        if (failures > 0) log.info('Recovered: etcd answers and the data plane is in sync again');
        failures = 0;
        await registry.waitForChange(synced.revision, SYNC_INTERVAL_MS, stop.signal);
      } catch (err) {
        if (stop.signal.aborted) break;
        const delay = backoffDelayMs(failures++);
        log.error(`${describe(err)}\n(retrying in ${delay / 1000}s)`);
        await sleep(delay, stop.signal);
      }
    }
  } finally {
    stop.abort();
    deps.signal.removeEventListener('abort', onStop);
    relay?.stop();
    server?.close();
    await Promise.all([renewing, resyncing]);
    await rm(options.readyFile, { force: true });
  }
  return exitCode;
}

/** What one sync pass works with. */
interface SyncInput {
  runner: CommandRunner;
  log: AgentLog;
  registry: SubnetRegistry;
  ctx: DataplaneContext;
  device: DeviceSpec | undefined;
  relay: UdpRelay | undefined;
  held: HeldLease;
  state: { attrs: OwnLeaseAttrs };
}

/**
 * One pass: make sure the backend device (and relay) exist, list the leases, and bring the
 * kernel in line with them. 'revoked' when this host's own lease is gone from etcd.
 */
async function syncOnce(s: SyncInput): Promise<'revoked' | { revision: string; leaseCount: number }> {
  if (s.relay) await s.relay.ensureRunning();
  if (s.device?.kind === 'vxlan') {
    const mac = await ensureVxlanDevice(s.runner, s.device, s.log);
    if (s.state.attrs.backend === 'vxlan' && mac !== s.state.attrs.vtepMac) {
      s.state.attrs = { ...s.state.attrs, vtepMac: mac };
      await s.registry.updateLease(s.held.subnet, encodeLeaseAttrs(s.state.attrs), s.held.reservation ? 0 : SUBNET_TTL_SECONDS);
      if (!s.held.reservation) s.held.expiresAt = Date.now() + SUBNET_TTL_SECONDS * 1000;
      s.log.info(`${s.device.name} was recreated; lease updated with VtepMAC ${mac}`);
    }
  }
  const listing = await s.registry.listLeases();
  if (!listing.leases.some((l) => sameCidr(l.subnet, s.held.subnet))) return 'revoked';
  const leases = listing.leases.flatMap((l) => {
    const attrs = decodeLeaseAttrs(l.value);
    if (!attrs) s.log.debug(`ignoring lease ${formatCidr(l.subnet)}: value is not a flannel lease: ${l.value}`);
    return attrs ? [{ subnet: l.subnet, attrs }] : [];
  });
  const desired = planDataplane(s.ctx, leases);
  for (const i of desired.ignored) s.log.debug(`ignoring lease ${i.subnet}: ${i.reason}`);
  s.relay?.setRoutes(desired.relayRoutes);
  const current = await readDataplane(s.runner, desired);
  const scope = { isManagedRoute: (r: RouteEntry) => isManagedRoute(s.ctx, r), isManagedAddress: (c: string) => isManagedAddress(s.ctx, c) };
  await applyKernelOps(s.runner, diffDataplane(desired, current, scope), s.log);
  return { revision: listing.revision, leaseCount: leases.length };
}

/** Looks the config up under the chosen API(s), decides the API and parses the config. */
async function connect(http: EtcdHttp, options: AgentOptions, log: AgentLog): Promise<{ registry: SubnetRegistry; config: NetworkConfig }> {
  const v2 = new EtcdV2Registry(http, options.etcdPrefix);
  const v3 = new EtcdV3Registry(http, options.etcdPrefix);
  const v2Lookup = options.etcdApi === 'v3' ? undefined : await v2.getConfig();
  const v3Lookup = options.etcdApi === 'v2' ? undefined : await v3.getConfig();
  const decision = decideEtcdApi(options.etcdApi, options.etcdPrefix, v2Lookup, v3Lookup);
  if (decision.api === undefined) throw new LabbenchError(decision.diagnosis, { hint: decision.hint });
  if (decision.note) log.warn(decision.note);
  const config = parseNetworkConfig(decision.config);
  log.info(`Using etcd ${decision.api} API at ${http.endpoints.join(',')}, prefix ${options.etcdPrefix}`);
  log.info(
    `Network config: ${decision.config.trim()} → backend ${config.backend.type}, SubnetLen ${config.subnetLen}, SubnetMin ${formatIp(config.subnetMin)}, SubnetMax ${formatIp(config.subnetMax)}`,
  );
  return { registry: decision.api === 'v2' ? v2 : v3, config };
}

/** Runs `step` until it succeeds, logging a diagnosis and backing off after each failure; undefined if stopped. */
async function retrying<T>(what: string, deps: AgentDeps, step: () => Promise<T>): Promise<T | undefined> {
  for (let attempt = 0; !deps.signal.aborted; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (deps.signal.aborted) break;
      const delay = backoffDelayMs(attempt);
      deps.log.error(`${what} failed: ${describe(err)}\n(retrying in ${delay / 1000}s)`);
      await sleep(delay, deps.signal);
    }
  }
  return undefined;
}

function describe(err: unknown): string {
  return formatError(err).replace(/^error: /, '');
}

/** Creates or fixes flannel.<VNI> and returns its MAC (the lease's VtepMAC). */
async function ensureVxlanDevice(runner: CommandRunner, spec: VxlanDeviceSpec, log: AgentLog): Promise<string> {
  const current = await readDevice(runner, spec.name);
  const ops = diffDevice(spec, current);
  if (ops.length === 0 && current) return current.mac;
  await applyKernelOps(runner, ops, log);
  const device = await readDevice(runner, spec.name);
  if (!device) throw new LabbenchError(`${spec.name} vanished right after it was created`);
  // flannel sets accept_ra=0 on the device; without IPv6 the file does not exist, which is fine.
  await writeFile(`/proc/sys/net/ipv6/conf/${spec.name}/accept_ra`, '0').catch(() => undefined);
  return device.mac;
}

function ownAttrs(config: NetworkConfig, ext: ExternalInterface, vtepMac: string | undefined): OwnLeaseAttrs {
  switch (config.backend.type) {
    case 'vxlan':
      return { backend: 'vxlan', publicIp: ext.publicIp, vni: config.backend.vni, vtepMac: vtepMac! };
    case 'host-gw':
      return { backend: 'host-gw', publicIp: ext.publicIp };
    case 'udp':
      return { backend: 'udp', publicIp: ext.publicIp };
  }
}

async function readPreviousSubnetEnv(path: string): Promise<PreviousSubnetEnv> {
  try {
    return parseSubnetEnv(await readFile(path, 'utf8'));
  } catch {
    return {};
  }
}

/** Writes through a hidden temp file and rename, as flannel writes subnet.env. */
async function writeAtomically(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}`);
  await writeFile(temp, content);
  await rename(temp, path);
}

/** Installs the masquerade and FORWARD rules flanneld would; errors are logged and left to the resync loop. */
async function setUpIptables(
  runner: CommandRunner,
  log: AgentLog,
  options: AgentOptions,
  config: NetworkConfig,
  subnet: Cidr,
  previous: PreviousSubnetEnv,
): Promise<IptablesRule[][]> {
  const sets: IptablesRule[][] = [];
  try {
    if (options.ipMasq) {
      const randomFully = await iptablesSupportsRandomFully(runner);
      if (previous.network && previous.subnet && (!sameCidr(previous.network, config.network) || !sameCidr(previous.subnet, subnet))) {
        log.info(
          `Current network or subnet (${formatCidr(config.network)}, ${formatCidr(subnet)}) is not equal to previous one (${formatCidr(previous.network)}, ${formatCidr(previous.subnet)}), trying to recycle old iptables rules`,
        );
        await deleteRules(runner, masqRules(previous.network, previous.subnet, randomFully));
      }
      log.info('Setting up masking rules');
      const rules = masqRules(config.network, subnet, randomFully);
      sets.push(rules);
      await installRules(runner, rules);
    }
    if (options.iptablesForwardRules) {
      log.info('Changing default FORWARD chain policy to ACCEPT');
      const rules = forwardRules(config.network);
      sets.push(rules);
      await installRules(runner, rules);
    }
  } catch (err) {
    log.error(`setting up iptables rules failed: ${describe(err)}\n(retrying every ${options.iptablesResync}s)`);
  }
  return sets;
}

async function iptablesLoop(runner: CommandRunner, sets: readonly IptablesRule[][], resyncSeconds: number, log: AgentLog, signal: AbortSignal): Promise<void> {
  if (sets.length === 0) return;
  while (!signal.aborted) {
    await sleep(resyncSeconds * 1000, signal);
    if (signal.aborted) return;
    for (const rules of sets) {
      try {
        await ensureRules(runner, rules, log);
      } catch (err) {
        log.error(`Failed to ensure iptables rules: ${describe(err)}`);
      }
    }
  }
}

/** Renews the lease `margin` minutes before expiry; on failure tries again after a minute. */
async function renewLoop(
  registry: SubnetRegistry,
  lease: HeldLease,
  state: { attrs: OwnLeaseAttrs },
  options: AgentOptions,
  log: AgentLog,
  signal: AbortSignal,
): Promise<void> {
  const marginMs = options.subnetLeaseRenewMargin * 60_000;
  if (lease.reservation || lease.expiresAt === undefined) return;
  let delay = lease.expiresAt - Date.now() - marginMs;
  log.info(`Waiting for ${Math.round(delay / 60_000)} min to renew lease`);
  while (!signal.aborted) {
    await sleep(Math.max(0, delay), signal);
    if (signal.aborted) return;
    try {
      await registry.updateLease(lease.subnet, encodeLeaseAttrs(state.attrs), SUBNET_TTL_SECONDS);
      lease.expiresAt = Date.now() + SUBNET_TTL_SECONDS * 1000;
      log.info(`Lease renewed, new expiration: ${new Date(lease.expiresAt).toISOString()}`);
      delay = lease.expiresAt - Date.now() - marginMs;
    } catch (err) {
      log.error(`Error renewing lease (trying again in 1 min): ${describe(err)}`);
      delay = RENEW_RETRY_MS;
    }
  }
}

function startHealthz(options: AgentOptions, status: { ready: boolean }, log: AgentLog): Server {
  const server = createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200).end('ok\n');
    } else if (req.url === '/readyz') {
      res.writeHead(status.ready ? 200 : 503).end(status.ready ? 'ok\n' : 'not ready\n');
    } else {
      res.writeHead(404).end();
    }
  });
  server.on('error', (err) => log.error(`healthz server on ${options.healthzIp}:${options.healthzPort} failed: ${err.message}`));
  server.listen(options.healthzPort, options.healthzIp, () => log.info(`healthz server listening on ${options.healthzIp}:${options.healthzPort}`));
  return server;
}
