/**
 * CloudInitDisk: a NoCloud seed ISO (volume label `cidata`, files user-data, meta-data and
 * network-config in its root) built locally with genisoimage (or xorriso) and uploaded into a
 * storage pool, as a Pulumi dynamic resource. Arguments follow @pulumi/libvirt's CloudInitDisk;
 * the id is the volume key (its path), which a Domain takes as `cloudinit`.
 */
import * as pulumi from '@pulumi/pulumi';
import { type DiffPolicy, decideDiff } from './diff.ts';
import { failure, run, virsh, virshRemove, which } from './exec.ts';

/** Resource arguments (Pulumi inputs). */
export interface CloudInitDiskArgs {
  uri: pulumi.Input<string>;
  name: pulumi.Input<string>;
  pool: pulumi.Input<string>;
  userData: pulumi.Input<string>;
  metaData: pulumi.Input<string>;
  networkConfig?: pulumi.Input<string>;
}

/** The resolved inputs. */
export interface CloudInitDiskInputs {
  uri: string;
  name: string;
  pool: string;
  userData: string;
  metaData: string;
  networkConfig?: string;
}

/** What the provider records. */
export interface CloudInitDiskOutputs extends CloudInitDiskInputs {
  path: string;
}

/** Any change to a seed makes a new ISO. */
export const CLOUD_INIT_DISK_DIFF: DiffPolicy = { inputs: ['uri', 'name', 'pool', 'userData', 'metaData', 'networkConfig'], updatable: [] };

/** The ISO 9660 volume label NoCloud looks for. */
export const SEED_LABEL = 'cidata';

/** Applies defaults and validates seed inputs. */
export function checkCloudInitDiskInputs(news: Partial<CloudInitDiskInputs>): pulumi.dynamic.CheckResult<CloudInitDiskInputs> {
  const inputs: CloudInitDiskInputs = {
    uri: news.uri ?? '',
    name: news.name ?? '',
    pool: news.pool ?? '',
    userData: news.userData ?? '',
    metaData: news.metaData ?? '',
  };
  if (news.networkConfig !== undefined && news.networkConfig !== '') inputs.networkConfig = news.networkConfig;
  const failures: pulumi.dynamic.CheckFailure[] = [];
  if (!inputs.uri) failures.push({ property: 'uri', reason: 'the hypervisor URI is required (e.g. qemu:///system)' });
  if (!/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/.test(inputs.name))
    failures.push({ property: 'name', reason: `volume name ${JSON.stringify(inputs.name)} must be letters, digits, '.', '_', '+' or '-'` });
  if (!inputs.pool) failures.push({ property: 'pool', reason: 'the storage pool is required' });
  if (!inputs.userData.startsWith('#cloud-config')) failures.push({ property: 'userData', reason: 'user-data must start with #cloud-config' });
  if (!/^instance-id:/m.test(inputs.metaData)) failures.push({ property: 'metaData', reason: 'meta-data must contain instance-id' });
  return failures.length > 0 ? { inputs, failures } : { inputs };
}

/** Builds the seed ISO from the documents into `dir` and returns its path. */
export async function buildSeedIso(dir: string, docs: { userData: string; metaData: string; networkConfig?: string }): Promise<string> {
  const fs = process.getBuiltinModule('node:fs/promises') as typeof import('node:fs/promises');
  const path = process.getBuiltinModule('node:path') as typeof import('node:path');
  const files: string[] = [];
  const write = async (name: string, content: string) => {
    await fs.writeFile(path.join(dir, name), content, { mode: 0o600 });
    files.push(path.join(dir, name));
  };
  await write('user-data', docs.userData);
  await write('meta-data', docs.metaData);
  if (docs.networkConfig !== undefined) await write('network-config', docs.networkConfig);
  const iso = path.join(dir, 'seed.iso');
  const mkisofs = ['-output', iso, '-volid', SEED_LABEL, '-joliet', '-rock', ...files];
  if (which('genisoimage')) await run('genisoimage', ['-quiet', ...mkisofs]);
  else if (which('xorriso')) await run('xorriso', ['-as', 'mkisofs', ...mkisofs]);
  else throw failure('neither genisoimage nor xorriso is installed (needed to build the cloud-init seed ISO)', 'apt-get install -y genisoimage');
  return iso;
}

/** The dynamic provider for NoCloud seed ISOs. */
export const cloudInitDiskProvider: pulumi.dynamic.ResourceProvider<CloudInitDiskInputs, CloudInitDiskOutputs> = {
  async check(_olds, news) {
    return checkCloudInitDiskInputs(news);
  },

  async diff(_id, olds, news) {
    return decideDiff(olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>, CLOUD_INIT_DISK_DIFF);
  },

  async create(inputs) {
    const fs = process.getBuiltinModule('node:fs/promises') as typeof import('node:fs/promises');
    const os = process.getBuiltinModule('node:os') as typeof import('node:os');
    const nodePath = process.getBuiltinModule('node:path') as typeof import('node:path');
    const dir = await fs.mkdtemp(nodePath.join(os.tmpdir(), 'labbench-seed-'));
    try {
      const iso = await buildSeedIso(dir, inputs);
      const bytes = (await fs.stat(iso)).size;
      await virsh(inputs.uri, ['vol-create-as', inputs.pool, inputs.name, String(bytes), '--format', 'raw']);
      try {
        await virsh(inputs.uri, ['vol-upload', '--pool', inputs.pool, inputs.name, iso]);
        const path = (await virsh(inputs.uri, ['vol-path', '--pool', inputs.pool, inputs.name])).stdout.trim();
        return { id: path, outs: { ...inputs, path } };
      } catch (err) {
        await virsh(inputs.uri, ['vol-delete', '--pool', inputs.pool, inputs.name], { allowFailure: true });
        throw err;
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  },

  async read(id, props) {
    if (!props) return {};
    const r = await virsh(props.uri, ['vol-info', id], { allowFailure: true });
    return r.code === 0 ? { id, props } : {};
  },

  async delete(id, props) {
    await virshRemove(props.uri, ['vol-delete', id]);
  },
};

/** A NoCloud seed ISO volume managed by Pulumi. */
export class CloudInitDisk extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly path: pulumi.Output<string>;

  constructor(name: string, args: CloudInitDiskArgs, opts?: pulumi.CustomResourceOptions) {
    super(cloudInitDiskProvider, name, { path: undefined, ...args }, opts, 'libvirt', 'CloudInitDisk');
  }
}
