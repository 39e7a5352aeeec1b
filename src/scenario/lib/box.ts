/**
 * The images scenarios run their containers from. Local hosts carry labbench's box image
 * (busybox, bash, iperf3) from the host image, also tagged centos:7.9 and centos:latest so the
 * document's commands run as written; it says what it is in its label and release files.
 * Other hosts pull busybox for the box image and the real centos images from Docker Hub.
 */
import type { Host } from '../../host.ts';
import { BOX_IMAGE, CENTOS_TAGS, HOST_IMAGE_PATHS } from '../../testbed/host-image.ts';

export { BOX_IMAGE };

/** The image the document's chapters 1–3 run (`docker run -itd --name centos01 centos:7.9`). */
export const CENTOS_IMAGE = 'centos:7.9';
/** The image chapter 4's test containers run (`docker run -it -d --name test centos:latest`). */
export const CENTOS_LATEST = 'centos:latest';

/** Makes sure the host's engine has the box image and the document's centos tags. */
export async function ensureBoxImage(host: Host): Promise<void> {
  const present = await host.$({ nothrow: true, quiet: true })`docker image inspect ${[BOX_IMAGE, ...CENTOS_TAGS]}`;
  if (present.ok) return;
  // The loader is a program of labbench's images (local hosts, and libvirt VMs of `pnpm vm-image`): run where it is there.
  if ((await host.$({ nothrow: true, quiet: true })`test -x ${HOST_IMAGE_PATHS.boxLoader}`).ok) {
    await host.$`${HOST_IMAGE_PATHS.boxLoader}`;
    return;
  }
  await host.$({ timeoutMs: 600_000 })`docker pull docker.io/library/busybox:1.36 && docker tag docker.io/library/busybox:1.36 ${BOX_IMAGE}`;
  for (const tag of CENTOS_TAGS) await host.$({ timeoutMs: 600_000 })`docker pull ${tag}`;
}
