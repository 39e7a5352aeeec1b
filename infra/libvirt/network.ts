/**
 * Network: a libvirt virtual network (the lab LAN), as a Pulumi dynamic resource over virsh.
 * Arguments follow @pulumi/libvirt's Network (`name`, `mode`, `addresses`, `bridge`,
 * `autostart`), plus `dhcpHosts` for the fixed leases; `uri` is the hypervisor connection.
 */
import * as pulumi from '@pulumi/pulumi';
import { type DhcpHost, lanLayout, type NetworkMode, type NetworkSpec, renderDhcpHostXml, renderNetworkXml } from '../render/network-xml.ts';
import { canonicalJson, type DiffPolicy, decideDiff } from './diff.ts';
import { parseVirshInfo, tempFile, virsh, virshRemove } from './exec.ts';

/** Resource arguments (Pulumi inputs). */
export interface NetworkArgs {
  uri: pulumi.Input<string>;
  name: pulumi.Input<string>;
  mode?: pulumi.Input<NetworkMode>;
  addresses: pulumi.Input<pulumi.Input<string>[]>;
  bridge?: pulumi.Input<string>;
  autostart?: pulumi.Input<boolean>;
  dhcpHosts?: pulumi.Input<pulumi.Input<DhcpHost>[]>;
}

/** The resolved inputs the provider works with, defaults applied. */
export interface NetworkInputs extends NetworkSpec {
  uri: string;
  autostart: boolean;
}

/** What the provider records: the inputs plus libvirt's UUID and the bridge it uses. */
export interface NetworkOutputs extends NetworkInputs {
  uuid: string;
  bridgeName: string;
}

/** Which inputs a network changes in place (DHCP leases, autostart) and which replace it. */
export const NETWORK_DIFF: DiffPolicy = {
  inputs: ['uri', 'name', 'mode', 'addresses', 'bridge', 'autostart', 'dhcpHosts'],
  updatable: ['autostart', 'dhcpHosts'],
};

/** Applies defaults and validates network inputs (the provider's `check`). */
export function checkNetworkInputs(news: Partial<NetworkInputs>): pulumi.dynamic.CheckResult<NetworkInputs> {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  const inputs: NetworkInputs = {
    uri: news.uri ?? '',
    name: news.name ?? '',
    mode: news.mode ?? 'nat',
    addresses: news.addresses ?? [],
    autostart: news.autostart ?? false,
    dhcpHosts: (news.dhcpHosts ?? []).map((h) => ({ ...h, mac: h.mac.toLowerCase() })),
    ...(news.bridge ? { bridge: news.bridge } : {}),
  };
  if (!inputs.uri) failures.push({ property: 'uri', reason: 'the hypervisor URI is required (e.g. qemu:///system)' });
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(inputs.name))
    failures.push({ property: 'name', reason: `network name ${JSON.stringify(inputs.name)} must be letters, digits, '.', '_' or '-'` });
  if (inputs.mode !== 'nat' && inputs.mode !== 'none')
    failures.push({ property: 'mode', reason: `mode ${JSON.stringify(inputs.mode)} is not one of nat, none` });
  if (inputs.addresses.length === 0) failures.push({ property: 'addresses', reason: 'give the LAN as a CIDR, e.g. ["192.168.100.0/24"]' });
  else {
    try {
      lanLayout(inputs.addresses[0]!);
    } catch (err) {
      failures.push({ property: 'addresses', reason: (err as Error).message });
    }
  }
  if (inputs.bridge !== undefined && !/^[A-Za-z0-9_-]{1,15}$/.test(inputs.bridge))
    failures.push({ property: 'bridge', reason: `bridge ${JSON.stringify(inputs.bridge)} must be 1–15 characters of letters, digits, '_' or '-'` });
  for (const h of inputs.dhcpHosts) {
    if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(h.mac))
      failures.push({ property: 'dhcpHosts', reason: `MAC ${JSON.stringify(h.mac)} is not of the form 52:54:00:xx:xx:xx` });
  }
  return failures.length > 0 ? { inputs, failures } : { inputs };
}

/** The dynamic provider: create/read/diff/update/delete of a libvirt network through virsh. */
export const networkProvider: pulumi.dynamic.ResourceProvider<NetworkInputs, NetworkOutputs> = {
  async check(_olds, news) {
    return checkNetworkInputs(news);
  },

  async diff(_id, olds, news) {
    return decideDiff(olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>, NETWORK_DIFF);
  },

  async create(inputs) {
    const xml = await tempFile('network.xml', renderNetworkXml(inputs));
    try {
      await virsh(inputs.uri, ['net-define', xml.path]);
    } finally {
      await xml.remove();
    }
    try {
      await virsh(inputs.uri, ['net-start', inputs.name]);
      if (inputs.autostart) await virsh(inputs.uri, ['net-autostart', inputs.name]);
      const info = parseVirshInfo((await virsh(inputs.uri, ['net-info', inputs.name])).stdout);
      const uuid = info['UUID'] ?? '';
      return { id: uuid, outs: { ...inputs, uuid, bridgeName: info['Bridge'] ?? '' } };
    } catch (err) {
      // create must leave nothing behind when it fails
      await virsh(inputs.uri, ['net-destroy', inputs.name], { allowFailure: true });
      await virsh(inputs.uri, ['net-undefine', inputs.name], { allowFailure: true });
      throw err;
    }
  },

  async read(id, props) {
    if (!props) return {};
    const r = await virsh(props.uri, ['net-info', id], { allowFailure: true });
    if (r.code !== 0) return {};
    const info = parseVirshInfo(r.stdout);
    return { id, props: { ...props, autostart: info['Autostart'] === 'yes', bridgeName: info['Bridge'] ?? props.bridgeName } };
  },

  async update(id, olds, news) {
    const active = parseVirshInfo((await virsh(news.uri, ['net-info', id])).stdout)['Active'] === 'yes';
    const scope = active ? ['--live', '--config'] : ['--config'];
    const key = (h: DhcpHost) => canonicalJson(h);
    const before = new Set(olds.dhcpHosts.map(key));
    const after = new Set(news.dhcpHosts.map(key));
    for (const h of olds.dhcpHosts.filter((x) => !after.has(key(x)))) {
      await virsh(news.uri, ['net-update', id, 'delete', 'ip-dhcp-host', renderDhcpHostXml(h), ...scope]);
    }
    for (const h of news.dhcpHosts.filter((x) => !before.has(key(x)))) {
      await virsh(news.uri, ['net-update', id, 'add', 'ip-dhcp-host', renderDhcpHostXml(h), ...scope]);
    }
    if (olds.autostart !== news.autostart) await virsh(news.uri, ['net-autostart', id, ...(news.autostart ? [] : ['--disable'])]);
    return { outs: { ...news, uuid: olds.uuid, bridgeName: olds.bridgeName } };
  },

  async delete(id, props) {
    await virshRemove(props.uri, ['net-destroy', id], /not active/i);
    await virshRemove(props.uri, ['net-undefine', id]);
  },
};

/** A libvirt network managed by Pulumi. */
export class Network extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly uuid: pulumi.Output<string>;
  declare readonly bridgeName: pulumi.Output<string>;
  declare readonly addresses: pulumi.Output<string[]>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.CustomResourceOptions) {
    super(networkProvider, name, { uuid: undefined, bridgeName: undefined, ...args }, opts, 'libvirt', 'Network');
  }
}
