/**
 * Volume: a libvirt storage volume, as a Pulumi dynamic resource over virsh and qemu-img.
 * Either a base image (`source`: URL or local path, always SHA-256-verified, uploaded with
 * `vol-upload` so remote hypervisors work too) or a qcow2 overlay backed by another volume
 * (`baseVolumeId`). Arguments follow @pulumi/libvirt's Volume; the id is the volume key (its path).
 */
import * as pulumi from '@pulumi/pulumi';
import { type DiffPolicy, decideDiff } from './diff.ts';
import { failure, run, virsh, virshRemove } from './exec.ts';
import { localImage } from './image-source.ts';

/** Disk image formats the lab uses. */
export type VolumeFormat = 'qcow2' | 'raw';

/** Resource arguments (Pulumi inputs). */
export interface VolumeArgs {
  uri: pulumi.Input<string>;
  name: pulumi.Input<string>;
  pool: pulumi.Input<string>;
  format?: pulumi.Input<VolumeFormat>;
  /** Base image: http(s) URL or a local path. */
  source?: pulumi.Input<string>;
  /** Expected SHA-256 of `source`. */
  sha256?: pulumi.Input<string>;
  /** Checksum file listing `source`, used when `sha256` is not pinned. */
  checksumUrl?: pulumi.Input<string>;
  /** Where downloaded images are cached on the machine running Pulumi. */
  cacheDir?: pulumi.Input<string>;
  /** Overlay: the id (key/path) of the volume backing this one. */
  baseVolumeId?: pulumi.Input<string>;
  baseVolumeFormat?: pulumi.Input<VolumeFormat>;
  /** Overlay capacity in bytes. */
  size?: pulumi.Input<number>;
}

/** The resolved inputs. */
export interface VolumeInputs {
  uri: string;
  name: string;
  pool: string;
  format: VolumeFormat;
  source?: string;
  sha256?: string;
  checksumUrl?: string;
  cacheDir?: string;
  baseVolumeId?: string;
  baseVolumeFormat?: VolumeFormat;
  size?: number;
}

/** What the provider records: the inputs, the volume path, and the digest that was verified. */
export interface VolumeOutputs extends VolumeInputs {
  path: string;
  verifiedSha256?: string;
}

/** A volume is never changed in place: its content is defined by its inputs. */
export const VOLUME_DIFF: DiffPolicy = {
  inputs: ['uri', 'name', 'pool', 'format', 'source', 'sha256', 'checksumUrl', 'cacheDir', 'baseVolumeId', 'baseVolumeFormat', 'size'],
  updatable: ['cacheDir'],
};

const FORMATS: readonly string[] = ['qcow2', 'raw'];

/** Applies defaults and validates volume inputs. */
export function checkVolumeInputs(news: Partial<VolumeInputs>): pulumi.dynamic.CheckResult<VolumeInputs> {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  const inputs: VolumeInputs = { uri: news.uri ?? '', name: news.name ?? '', pool: news.pool ?? '', format: news.format ?? 'qcow2' };
  for (const key of ['source', 'sha256', 'checksumUrl', 'cacheDir', 'baseVolumeId'] as const) {
    const v = news[key];
    if (v !== undefined && v !== '') inputs[key] = v;
  }
  if (news.size !== undefined) inputs.size = news.size;
  if (inputs.baseVolumeId !== undefined) inputs.baseVolumeFormat = news.baseVolumeFormat ?? 'qcow2';

  if (!inputs.uri) failures.push({ property: 'uri', reason: 'the hypervisor URI is required (e.g. qemu:///system)' });
  if (!/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/.test(inputs.name))
    failures.push({ property: 'name', reason: `volume name ${JSON.stringify(inputs.name)} must be letters, digits, '.', '_', '+' or '-'` });
  if (!inputs.pool) failures.push({ property: 'pool', reason: 'the storage pool is required' });
  if (!FORMATS.includes(inputs.format))
    failures.push({ property: 'format', reason: `format ${JSON.stringify(inputs.format)} is not one of ${FORMATS.join(', ')}` });
  if ((inputs.source === undefined) === (inputs.baseVolumeId === undefined)) {
    failures.push({ property: 'source', reason: 'give exactly one of source (a base image) or baseVolumeId (an overlay)' });
  }
  if (inputs.source !== undefined && inputs.sha256 === undefined && inputs.checksumUrl === undefined) {
    failures.push({ property: 'sha256', reason: `the image ${inputs.source} needs a sha256 (or a checksumUrl): images are always verified` });
  }
  if (inputs.baseVolumeId !== undefined && inputs.format !== 'qcow2') failures.push({ property: 'format', reason: 'an overlay (baseVolumeId) must be qcow2' });
  if (inputs.baseVolumeId !== undefined && inputs.size === undefined) failures.push({ property: 'size', reason: 'an overlay needs a size in bytes' });
  if (inputs.source !== undefined && inputs.size !== undefined)
    failures.push({ property: 'size', reason: 'a base image keeps its own size; size is for overlays' });
  if (inputs.size !== undefined && !(Number.isInteger(inputs.size) && inputs.size > 0))
    failures.push({ property: 'size', reason: `size ${inputs.size} must be a positive whole number of bytes` });
  return failures.length > 0 ? { inputs, failures } : { inputs };
}

/** The dynamic provider: base images and overlays through virsh. */
export const volumeProvider: pulumi.dynamic.ResourceProvider<VolumeInputs, VolumeOutputs> = {
  async check(_olds, news) {
    return checkVolumeInputs(news);
  },

  async diff(_id, olds, news) {
    return decideDiff(olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>, VOLUME_DIFF);
  },

  async create(inputs) {
    const { uri, pool, name } = inputs;
    if (inputs.baseVolumeId !== undefined) {
      await virsh(uri, [
        'vol-create-as',
        pool,
        name,
        String(inputs.size),
        '--format',
        'qcow2',
        '--backing-vol',
        inputs.baseVolumeId,
        '--backing-vol-format',
        inputs.baseVolumeFormat ?? 'qcow2',
      ]);
      try {
        const path = (await virsh(uri, ['vol-path', '--pool', pool, name])).stdout.trim();
        return { id: path, outs: { ...inputs, path } };
      } catch (err) {
        await virsh(uri, ['vol-delete', '--pool', pool, name], { allowFailure: true });
        throw err;
      }
    }

    const fs = process.getBuiltinModule('node:fs/promises') as typeof import('node:fs/promises');
    const os = process.getBuiltinModule('node:os') as typeof import('node:os');
    const nodePath = process.getBuiltinModule('node:path') as typeof import('node:path');
    const image = await localImage({
      source: inputs.source ?? '',
      ...(inputs.sha256 !== undefined ? { sha256: inputs.sha256 } : {}),
      ...(inputs.checksumUrl !== undefined ? { checksumUrl: inputs.checksumUrl } : {}),
      cacheDir: inputs.cacheDir ?? nodePath.join(os.homedir(), '.cache', 'labbench', 'images'),
    });
    const info = JSON.parse((await run('qemu-img', ['info', '--output=json', image.path])).stdout) as { format?: string };
    if (info.format !== inputs.format) {
      throw failure(
        `${inputs.source} is a ${info.format ?? 'unknown'} image, not ${inputs.format}`,
        `set format: ${info.format ?? 'raw'} for this image in labbench:images`,
      );
    }
    const bytes = (await fs.stat(image.path)).size;
    // The upload replaces the file's bytes; libvirt reads the real format back on pool-refresh.
    await virsh(uri, ['vol-create-as', pool, name, String(bytes), '--format', 'raw']);
    try {
      await virsh(uri, ['vol-upload', '--pool', pool, name, image.path]);
      await virsh(uri, ['pool-refresh', pool]);
      const path = (await virsh(uri, ['vol-path', '--pool', pool, name])).stdout.trim();
      return { id: path, outs: { ...inputs, path, verifiedSha256: image.sha256 } };
    } catch (err) {
      await virsh(uri, ['vol-delete', '--pool', pool, name], { allowFailure: true });
      throw err;
    }
  },

  async read(id, props) {
    if (!props) return {};
    const r = await virsh(props.uri, ['vol-info', id], { allowFailure: true });
    return r.code === 0 ? { id, props } : {};
  },

  async update(_id, olds, news) {
    // Only the download cache location can change without a new volume.
    return { outs: { ...news, path: olds.path, ...(olds.verifiedSha256 !== undefined ? { verifiedSha256: olds.verifiedSha256 } : {}) } };
  },

  async delete(id, props) {
    await virshRemove(props.uri, ['vol-delete', id]);
  },
};

/** A libvirt storage volume managed by Pulumi. */
export class Volume extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly path: pulumi.Output<string>;
  declare readonly verifiedSha256: pulumi.Output<string | undefined>;

  constructor(name: string, args: VolumeArgs, opts?: pulumi.CustomResourceOptions) {
    super(volumeProvider, name, { path: undefined, verifiedSha256: undefined, ...args }, opts, 'libvirt', 'Volume');
  }
}
