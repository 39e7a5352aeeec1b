/**
 * Pool: a libvirt storage pool of type `dir` (where the lab's volumes live), as a Pulumi
 * dynamic resource over virsh. Arguments follow @pulumi/libvirt's Pool (`name`, `type`, `path`).
 */
import * as pulumi from '@pulumi/pulumi';
import { type DiffPolicy, decideDiff } from './diff.ts';
import { parseVirshInfo, virsh, virshRemove } from './exec.ts';

/** Resource arguments (Pulumi inputs). */
export interface PoolArgs {
  uri: pulumi.Input<string>;
  name: pulumi.Input<string>;
  /** Directory on the hypervisor; libvirt creates it (pool-build) and removes it on delete. */
  path: pulumi.Input<string>;
}

/** The resolved inputs. */
export interface PoolInputs {
  uri: string;
  name: string;
  type: 'dir';
  path: string;
}

/** What the provider records. */
export interface PoolOutputs extends PoolInputs {
  uuid: string;
}

/** Every pool input replaces the pool. */
export const POOL_DIFF: DiffPolicy = { inputs: ['uri', 'name', 'type', 'path'], updatable: [] };

/** Applies defaults and validates pool inputs. */
export function checkPoolInputs(news: Partial<PoolInputs>): pulumi.dynamic.CheckResult<PoolInputs> {
  const inputs: PoolInputs = { uri: news.uri ?? '', name: news.name ?? '', type: 'dir', path: news.path ?? '' };
  const failures: pulumi.dynamic.CheckFailure[] = [];
  if (!inputs.uri) failures.push({ property: 'uri', reason: 'the hypervisor URI is required (e.g. qemu:///system)' });
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(inputs.name))
    failures.push({ property: 'name', reason: `pool name ${JSON.stringify(inputs.name)} must be letters, digits, '.', '_' or '-'` });
  if (!inputs.path.startsWith('/'))
    failures.push({ property: 'path', reason: `pool path ${JSON.stringify(inputs.path)} must be an absolute directory on the hypervisor` });
  return failures.length > 0 ? { inputs, failures } : { inputs };
}

/** The dynamic provider for a directory storage pool. */
export const poolProvider: pulumi.dynamic.ResourceProvider<PoolInputs, PoolOutputs> = {
  async check(_olds, news) {
    return checkPoolInputs(news);
  },

  async diff(_id, olds, news) {
    return decideDiff(olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>, POOL_DIFF);
  },

  async create(inputs) {
    await virsh(inputs.uri, ['pool-define-as', inputs.name, 'dir', '--target', inputs.path]);
    try {
      await virsh(inputs.uri, ['pool-build', inputs.name]);
      await virsh(inputs.uri, ['pool-start', inputs.name]);
      const uuid = parseVirshInfo((await virsh(inputs.uri, ['pool-info', inputs.name])).stdout)['UUID'] ?? '';
      return { id: uuid, outs: { ...inputs, uuid } };
    } catch (err) {
      await virsh(inputs.uri, ['pool-destroy', inputs.name], { allowFailure: true });
      await virsh(inputs.uri, ['pool-delete', inputs.name], { allowFailure: true });
      await virsh(inputs.uri, ['pool-undefine', inputs.name], { allowFailure: true });
      throw err;
    }
  },

  async read(id, props) {
    if (!props) return {};
    const r = await virsh(props.uri, ['pool-info', id], { allowFailure: true });
    return r.code === 0 ? { id, props } : {};
  },

  async delete(id, props) {
    const info = await virsh(props.uri, ['pool-info', id], { allowFailure: true });
    if (info.code !== 0) return;
    // pool-delete removes the pool's (empty) directory and needs the pool stopped first.
    if (parseVirshInfo(info.stdout)['State'] === 'running') await virshRemove(props.uri, ['pool-destroy', id]);
    await virshRemove(props.uri, ['pool-delete', id]);
    await virshRemove(props.uri, ['pool-undefine', id]);
  },
};

/** A libvirt directory storage pool managed by Pulumi. */
export class Pool extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly uuid: pulumi.Output<string>;
  declare readonly path: pulumi.Output<string>;

  constructor(name: string, args: PoolArgs, opts?: pulumi.CustomResourceOptions) {
    super(poolProvider, name, { uuid: undefined, type: 'dir', ...args }, opts, 'libvirt', 'Pool');
  }
}
