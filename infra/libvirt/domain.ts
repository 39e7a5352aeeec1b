/**
 * Domain: a libvirt VM, as a Pulumi dynamic resource over virsh. Arguments follow @pulumi/libvirt's
 * Domain (`name`, `type`, `vcpu`, `memory` in MiB, `disks[].volumeId`, `cloudinit`,
 * `networkInterfaces[] {networkName, mac}`, `running`, `autostart`, `arch`, `machine`; `kernel`,
 * `initrd` and `cmdline` for direct kernel boot, as @pulumi/libvirt has them) and `consoleLog`.
 * vCPUs, memory, running and autostart change in place; anything else makes a new VM.
 */
import * as pulumi from '@pulumi/pulumi';
import { type DomainSpec, type DomainType, type NetworkInterfaceSpec, renderDomainXml } from '../render/domain-xml.ts';
import { type DiffPolicy, decideDiff } from './diff.ts';
import { tempFile, virsh, virshRemove } from './exec.ts';

/** Resource arguments (Pulumi inputs). */
export interface DomainArgs {
  uri: pulumi.Input<string>;
  name: pulumi.Input<string>;
  type?: pulumi.Input<DomainType>;
  vcpu?: pulumi.Input<number>;
  memory?: pulumi.Input<number>;
  arch?: pulumi.Input<string>;
  machine?: pulumi.Input<string>;
  disks: pulumi.Input<pulumi.Input<{ volumeId: pulumi.Input<string> }>[]>;
  cloudinit?: pulumi.Input<string>;
  networkInterfaces: pulumi.Input<pulumi.Input<{ networkName: pulumi.Input<string>; mac: pulumi.Input<string> }>[]>;
  running?: pulumi.Input<boolean>;
  autostart?: pulumi.Input<boolean>;
  /** Direct kernel boot: kernel and initramfs paths on the hypervisor (e.g. volume paths) and the kernel command line. */
  kernel?: pulumi.Input<string>;
  initrd?: pulumi.Input<string>;
  cmdline?: pulumi.Input<string>;
  /** A file on the hypervisor that records the serial console (boot and cloud-init messages). */
  consoleLog?: pulumi.Input<string>;
}

/** The resolved inputs. */
export interface DomainInputs extends Omit<DomainSpec, 'uuid'> {
  uri: string;
  running: boolean;
  autostart: boolean;
}

/** What the provider records. */
export interface DomainOutputs extends DomainInputs {
  uuid: string;
}

/** vCPUs, memory, power state and autostart change in place; the rest replaces the VM. */
export const DOMAIN_DIFF: DiffPolicy = {
  inputs: [
    'uri',
    'name',
    'type',
    'vcpu',
    'memory',
    'arch',
    'machine',
    'disks',
    'cloudinit',
    'networkInterfaces',
    'running',
    'autostart',
    'kernel',
    'initrd',
    'cmdline',
    'consoleLog',
  ],
  updatable: ['vcpu', 'memory', 'running', 'autostart'],
};

/** Applies defaults and validates domain inputs. */
export function checkDomainInputs(news: Partial<DomainInputs>): pulumi.dynamic.CheckResult<DomainInputs> {
  const inputs: DomainInputs = {
    uri: news.uri ?? '',
    name: news.name ?? '',
    type: news.type ?? 'kvm',
    vcpu: news.vcpu ?? 1,
    memory: news.memory ?? 512,
    arch: news.arch ?? 'x86_64',
    machine: news.machine ?? 'q35',
    disks: news.disks ?? [],
    networkInterfaces: (news.networkInterfaces ?? []).map((n: NetworkInterfaceSpec) => ({ networkName: n.networkName, mac: n.mac.toLowerCase() })),
    running: news.running ?? true,
    autostart: news.autostart ?? false,
  };
  for (const key of ['cloudinit', 'kernel', 'initrd', 'cmdline', 'consoleLog'] as const) {
    const v = news[key];
    if (v !== undefined && v !== '') inputs[key] = v;
  }
  const failures: pulumi.dynamic.CheckFailure[] = [];
  if ((inputs.initrd !== undefined || inputs.cmdline !== undefined) && inputs.kernel === undefined) {
    failures.push({ property: 'kernel', reason: 'initrd and cmdline are for direct kernel boot: give the kernel too' });
  }
  if (inputs.kernel !== undefined && inputs.cmdline === undefined) {
    failures.push({
      property: 'cmdline',
      reason: 'a directly booted kernel needs a command line naming its root file system (e.g. root=/dev/vda rw console=ttyS0)',
    });
  }
  if (!inputs.uri) failures.push({ property: 'uri', reason: 'the hypervisor URI is required (e.g. qemu:///system)' });
  if (!/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/.test(inputs.name))
    failures.push({ property: 'name', reason: `domain name ${JSON.stringify(inputs.name)} must be letters, digits, '.', '_', '+' or '-'` });
  if (inputs.type !== 'kvm' && inputs.type !== 'qemu')
    failures.push({ property: 'type', reason: `type ${JSON.stringify(inputs.type)} is not kvm or qemu (use qemu where KVM is absent)` });
  if (!(Number.isInteger(inputs.vcpu) && inputs.vcpu >= 1)) failures.push({ property: 'vcpu', reason: `vcpu ${inputs.vcpu} must be a whole number ≥ 1` });
  if (!(Number.isInteger(inputs.memory) && inputs.memory >= 64))
    failures.push({ property: 'memory', reason: `memory ${inputs.memory} MiB must be a whole number ≥ 64` });
  if (inputs.disks.length === 0) failures.push({ property: 'disks', reason: 'a domain needs a system disk' });
  for (const n of inputs.networkInterfaces) {
    if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(n.mac))
      failures.push({ property: 'networkInterfaces', reason: `MAC ${JSON.stringify(n.mac)} is not of the form 52:54:00:xx:xx:xx` });
  }
  return failures.length > 0 ? { inputs, failures } : { inputs };
}

/** libvirt's state word for a domain ("running", "shut off", …); undefined when it does not exist. */
async function domainState(uri: string, id: string): Promise<string | undefined> {
  const r = await virsh(uri, ['domstate', id], { allowFailure: true });
  return r.code === 0 ? r.stdout.trim() : undefined;
}

async function define(inputs: DomainInputs, uuid?: string): Promise<void> {
  const spec: DomainSpec = { ...inputs, ...(uuid !== undefined ? { uuid } : {}) };
  const xml = await tempFile('domain.xml', renderDomainXml(spec));
  try {
    await virsh(inputs.uri, ['define', xml.path]);
  } finally {
    await xml.remove();
  }
}

/** The dynamic provider for lab VMs. */
export const domainProvider: pulumi.dynamic.ResourceProvider<DomainInputs, DomainOutputs> = {
  async check(_olds, news) {
    return checkDomainInputs(news);
  },

  async diff(_id, olds, news) {
    return decideDiff(olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>, DOMAIN_DIFF);
  },

  async create(inputs) {
    await define(inputs);
    try {
      if (inputs.autostart) await virsh(inputs.uri, ['autostart', inputs.name]);
      if (inputs.running) await virsh(inputs.uri, ['start', inputs.name]);
      const uuid = (await virsh(inputs.uri, ['domuuid', inputs.name])).stdout.trim();
      return { id: uuid, outs: { ...inputs, uuid } };
    } catch (err) {
      await virsh(inputs.uri, ['destroy', inputs.name], { allowFailure: true });
      await virsh(inputs.uri, ['undefine', inputs.name], { allowFailure: true });
      throw err;
    }
  },

  async read(id, props) {
    if (!props) return {};
    const state = await domainState(props.uri, id);
    return state === undefined ? {} : { id, props: { ...props, running: state === 'running' } };
  },

  async update(id, olds, news) {
    await define(news, olds.uuid);
    const active = (await domainState(news.uri, id)) === 'running';
    const resized = olds.vcpu !== news.vcpu || olds.memory !== news.memory;
    // A new definition takes effect at the next boot: restart a running VM whose size changed.
    if (active && (!news.running || resized)) await virsh(news.uri, ['destroy', id]);
    if (news.running && (!active || resized)) await virsh(news.uri, ['start', id]);
    if (olds.autostart !== news.autostart) await virsh(news.uri, ['autostart', id, ...(news.autostart ? [] : ['--disable'])]);
    return { outs: { ...news, uuid: olds.uuid } };
  },

  async delete(id, props) {
    await virshRemove(props.uri, ['destroy', id], /not running/i);
    await virshRemove(props.uri, ['undefine', id]);
  },
};

/** A libvirt VM managed by Pulumi. */
export class Domain extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly uuid: pulumi.Output<string>;

  constructor(name: string, args: DomainArgs, opts?: pulumi.CustomResourceOptions) {
    super(domainProvider, name, { uuid: undefined, ...args }, opts, 'libvirt', 'Domain');
  }
}
