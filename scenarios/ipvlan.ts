/**
 * ipvlan (3.1, "多个容器共享一个 MAC 地址，通过不同 IP 地址区分") — an ipvlan network on host A's
 * LAN interface with the LAN's subnet; a container on it shares the parent's MAC address, has
 * its own address on the LAN, and host B reaches it directly.
 *
 * ipvlan needs the kernel's ipvlan driver (CONFIG_IPVLAN). Docker creates the network without
 * it, but cannot create the container's port ("failed to create the ipvlan port: operation not
 * supported"); on such a kernel every step is SKIPPED with Docker's message as the reason —
 * never passed. Any other failure is a FAIL.
 *
 * Knobs (--set):
 *   parent=IFACE   the ipvlan parent (default: host A's LAN interface); a name Docker cannot
 *                  use (e.g. parent=nosuch0) makes step 1 FAIL, not SKIP: only the kernel's
 *                  missing driver is a reason to skip
 */
import { defineScenario, type StepContext, step } from '../src/scenario/define.ts';
import { BOX_IMAGE, ensureBoxImage } from '../src/scenario/lib/box.ts';
import { createLanNetwork, eth0Of, hostPair, interfacesOf, removeLanNetwork, spareLanAddress } from '../src/scenario/lib/container-steps.ts';
import { interfaceNamed } from '../src/scenario/lib/parse-ip.ts';
import { describePing, pingOutcome } from '../src/scenario/lib/ping-outcome.ts';

const NETWORK = 'ipvlan01';
const CONTAINER = 'ipvlan-c1';
/** Docker's words when the kernel has no ipvlan driver (netlink answers EOPNOTSUPP). */
const NO_KERNEL_IPVLAN = /failed to create the ipvlan port: operation not supported/;

/** The container's LAN address: the second-highest spare one (macvlan's scenario takes the highest). */
const containerIp = (ctx: StepContext) => spareLanAddress(ctx, 1);

/** Later steps skip for the same reason as the first when the kernel lacks ipvlan. */
function skipIfNoIpvlan(ctx: StepContext): void {
  const reason = ctx.state.get('no-ipvlan');
  if (typeof reason === 'string') ctx.skip(reason);
}

export default defineScenario({
  name: 'ipvlan',
  section: '3.1',
  title: "ipvlan: containers sharing the parent's MAC, each with its own LAN address",
  summary: "docker network create -d ipvlan on the LAN interface (SKIPPED with the kernel's reason where ipvlan is not built)",

  steps: [
    step(
      'ipvlan — docker network create -d ipvlan --subnet <LAN> --gateway <LAN gateway> -o parent=<LAN interface> ipvlan01; docker run --network ipvlan01 --ip <spare LAN address>',
      async (ctx) => {
        const { a } = hostPair(ctx);
        await createLanNetwork(ctx, 'ipvlan', NETWORK, CONTAINER);
        const lan = ctx.lab.inventory.subnet;
        await ensureBoxImage(a);
        const ip = containerIp(ctx);
        const run = await a.$({ nothrow: true })`docker run -d -it --name ${CONTAINER} --network ${NETWORK} --ip ${ip} ${BOX_IMAGE}`;
        if (!run.ok && NO_KERNEL_IPVLAN.test(run.stderr)) {
          const said = (run.stderr.trim().split('\n').at(-1) ?? '').replace(/^docker: /, '');
          const reason = `${a.name}'s kernel has no ipvlan driver (netlink: operation not supported) — docker run said: ${said}`;
          ctx.state.set('no-ipvlan', reason);
          ctx.skip(reason);
        }
        ctx.check('docker run on ipvlan01', run.ok, { actual: run.stderr.trim() });
        const eth0 = await eth0Of(a, CONTAINER);
        ctx.expectEqual("the container's eth0 address", eth0?.inet[0], `${ip}/${lan.split('/')[1]}`);
        ctx.state.set('container', { ip, mac: eth0?.mac });
      },
    ),

    step("多个容器共享一个 MAC 地址 — the container's MAC is the parent's", async (ctx) => {
      skipIfNoIpvlan(ctx);
      const { a } = hostPair(ctx);
      const c = ctx.state.get('container') as { ip: string; mac?: string };
      const parent = interfaceNamed(await interfacesOf(a), String(ctx.state.get('parent')));
      ctx.expectEqual(`the container's MAC is ${parent?.name}'s`, c.mac, parent?.mac);
    }),

    step('reachable from the other host — host B: ping <container address>', async (ctx) => {
      skipIfNoIpvlan(ctx);
      const { b } = hostPair(ctx);
      const c = ctx.state.get('container') as { ip: string };
      const r = await b.$({ nothrow: true, timeoutMs: 30_000 })`ping -c 3 -W 1 ${c.ip}`;
      const p = pingOutcome(c.ip, r.stdout, r.stderr);
      ctx.check(`${b.name}: ping ${c.ip}: ${describePing(p)}`, p.received > 0);
    }),
  ],

  async cleanup(ctx) {
    await removeLanNetwork(ctx, NETWORK, CONTAINER, containerIp(ctx));
  },
});
