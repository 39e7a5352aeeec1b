/**
 * The image scenarios run their containers from, in place of the document's centos:7.9 (no
 * registry is reachable from a local lab). Local hosts have it from the host image; other hosts
 * get busybox from Docker Hub under the same tag.
 */
import type { Host } from '../../host.ts';
import { BOX_IMAGE } from '../../providers/local/host-image/files.ts';

export { BOX_IMAGE };

/** Makes sure the host's engine has the box image. */
export async function ensureBoxImage(host: Host): Promise<void> {
  if ((await host.$({ nothrow: true, quiet: true })`docker image inspect ${BOX_IMAGE}`).ok) return;
  if ((await host.$({ nothrow: true })`test -e /usr/share/labbench/box.tar`).ok) {
    await host.$`docker import --change ${'CMD ["/bin/sh"]'} /usr/share/labbench/box.tar ${BOX_IMAGE}`;
    return;
  }
  await host.$({ timeoutMs: 600_000 })`docker pull docker.io/library/busybox:1.36 && docker tag docker.io/library/busybox:1.36 ${BOX_IMAGE}`;
}
