/**
 * `pnpm course serve` in headless Chromium against a real two-host lab: the printed URL opens
 * the page, a wrong token gets neither page nor socket; `ip a` typed into hostA's terminal shows
 * docker0's address on the terminal's screen; a student does §3.5 by hand in the page's terminal
 * and Check passes, then breaks it and Check fails with a hint; the topology read from the hosts
 * shows network01's bridge with both containers on veths named as the host's `ip a` names them,
 * a container on two bridges after §3.6, and after the flannel chapter each host's flannel
 * subnet and its route to the other's. Screenshots go to test/artifacts/course-serve/.
 */

import { appendFileSync, existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { chromium, type Page } from 'playwright-core';
import type { Host } from '../../src/host.ts';
import { type Lab, openLab } from '../../src/lab.ts';
import { contains, tryParseCidr } from '../../src/net/ipv4.ts';
import { createProgress } from '../../src/progress.ts';
import { LocalProvider } from '../../src/providers/local/provider.ts';
import { documentSpec } from '../../src/testbed/testbed.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.ts';
import { cli, REPO, rootSkipReason, startCli } from '../support/cli.ts';

const LAB = 'cserve';
const SUBNET = '10.212.41.0/24';
const ARTIFACTS = join(REPO, 'test/artifacts/course-serve');

/** What the test has got to, in a file (ava prints a failing test's logs only once it ends). */
function progress(what: string): void {
  appendFileSync(join(ARTIFACTS, 'progress.log'), `${new Date().toISOString()} ${what}\n`);
}

const skip = rootSkipReason() ?? (existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install -y chromium)`);

if (skip) {
  test.skip(`course serve in headless Chromium — skipped: ${skip}`, () => {});
} else {
  test.serial('course serve: token, terminals, Check/✗ with hint, and the live topology through §3.5, §3.6 and flannel', async (t) => {
    const provider = new LocalProvider();
    await rm(ARTIFACTS, { recursive: true, force: true });
    await mkdir(ARTIFACTS, { recursive: true });
    // playwright starts Chromium with a fresh temporary --user-data-dir of its own.
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    let lab: Lab | undefined;
    let server: ReturnType<typeof startCli> | undefined;
    try {
      progress('lab up');
      lab = await openLab(await provider.up(documentSpec({ name: LAB, subnet: SUBNET }), createProgress(), { recreate: true }));
      const started = await cli(['course', 'start', 'custom-network', '--name', LAB, '--subnet', SUBNET]);
      if (started.code !== 0) throw new Error(`course start failed:\n${started.stdout.slice(-3000)}\n${started.stderr}`);
      progress('course started');
      server = startCli(['course', 'serve', '--name', LAB, '--port', '0']);
      const url = await printedUrl(server);
      progress(`page at port ${new URL(url).port}`);
      const inUse = await cli(['course', 'serve', '--name', LAB, '--port', new URL(url).port]);
      t.is(inUse.code, 1);
      t.regex(inUse.stderr, new RegExp(`port ${new URL(url).port} on 127\\.0\\.0\\.1 is already in use`));
      t.regex(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{40,}$/);
      const token = new URL(url).searchParams.get('token')!;

      const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
      const page = await context.newPage();
      const offsite: string[] = [];
      page.on('request', (r) => !r.url().startsWith(new URL(url).origin) && offsite.push(r.url()));
      page.on('dialog', (d) => void d.accept());

      // A wrong token: no page, and no socket from that origin either.
      const wrong = await page.goto(url.replace(token, `${token.slice(0, -4)}AAAA`));
      t.is(wrong?.status(), 401);
      t.false((await page.content()).includes('id="terminals"'), 'no page without the token');
      const socket = await page.evaluate(
        (u) =>
          new Promise<string>((resolve) => {
            const ws = new WebSocket(u);
            ws.onopen = () => resolve('opened');
            ws.onerror = () => resolve('refused');
          }),
        `ws://${new URL(url).host}/ws/terminal?host=hostA&token=wrong`,
      );
      t.is(socket, 'refused');

      await page.goto(url);
      progress('ip a');
      for (const h of lab.hosts) await waitForText(page, `#term-${h.name} .status`, /^connected: ssh /);

      // ip a on host A, read back from the terminal's screen.
      const hostA = lab.host('hostA');
      const docker0 = (await hostA.$`ip -4 -o addr show docker0`).text().split(/\s+/)[3]!;
      await typeCommand(page, 'hostA', 'ip a');
      t.regex(await screen(page, 'hostA'), new RegExp(`inet ${docker0.replaceAll('.', '\\.')} `), `docker0 ${docker0} on hostA's terminal screen`);

      // §3.5 by hand in the page's terminal of the step's host.
      progress('§3.5 by hand');
      const stepHost = (await page.textContent('#step-host'))?.replace(/^work on /, '') ?? '';
      t.truthy(
        lab.hosts.find((h) => h.name === stepHost),
        `the step names a lab host (${stepHost})`,
      );
      const h = lab.host(stepHost);
      await typeCommand(page, stepHost, 'docker network create --subnet 172.10.0.0/24 --gateway 172.10.0.1 network01');
      t.deepEqual(await check(page), { passed: true, failed: [] }, 'step 1 passes after the student created network01');
      await page.click('#steps li[data-step="2"]');
      await typeCommand(page, stepHost, 'docker run -itd --name server01 --network network01 centos:7.9');
      let done = await typeCommand(page, stepHost, 'docker run -itd --name server02 --network network01 centos:7.9');
      t.deepEqual(await check(page), { passed: true, failed: [] }, 'step 2 passes after two docker run by hand');
      await topologyAfter(page, done, 'the topology refreshed by itself after the commands');

      const bridge = `br-${(await h.$`docker network inspect -f {{.Id}} network01`).text().slice(0, 12)}`;
      t.truthy(await page.$(`g.box-bridge[data-id="host:${stepHost}/br/${bridge}"]`), `${bridge} drawn`);
      const hostIpA = (await h.$`ip a`).stdout;
      for (const c of ['server01', 'server02']) {
        const veth = await hostVethOf(h, c, 'eth0');
        t.true(hostIpA.includes(`${veth}:`), `${veth} is in ip a on ${stepHost}`);
        const wire = await wireOf(page, stepHost, c, 'eth0');
        t.deepEqual(wire, { target: `host:${stepHost}/br/${bridge}`, label: veth }, `${c} wired to ${bridge} by ${veth}`);
      }
      await page.screenshot({ path: join(ARTIFACTS, '1-custom-network-passed.png') });

      // Break it: step 2 checked again fails, with a hint.
      progress('break');
      await typeCommand(page, stepHost, 'docker rm -f server02');
      await page.click('#steps li[data-step="2"]');
      const broken = await check(page);
      t.false(broken.passed);
      t.true(broken.failed.length > 0 && broken.failed.every((f) => f.hint !== ''), `each ✗ has a hint: ${JSON.stringify(broken.failed)}`);
      await page.screenshot({ path: join(ARTIFACTS, '2-custom-network-broken.png') });

      // §3.6: server01 joins a second network.
      progress('§3.6');
      await typeCommand(page, stepHost, 'docker network create --subnet 172.20.0.0/24 --gateway 172.20.0.1 network02');
      await typeCommand(page, stepHost, 'docker run -itd --name server03 --network network02 centos:7.9');
      done = await typeCommand(page, stepHost, 'docker network connect network02 server01');
      await topologyAfter(page, done, 'after docker network connect');
      const bridge2 = `br-${(await h.$`docker network inspect -f {{.Id}} network02`).text().slice(0, 12)}`;
      const wires = [await wireOf(page, stepHost, 'server01', 'eth0'), await wireOf(page, stepHost, 'server01', 'eth1')];
      t.deepEqual(
        wires.map((w) => w?.target),
        [`host:${stepHost}/br/${bridge}`, `host:${stepHost}/br/${bridge2}`],
        'server01 has an interface on each bridge',
      );
      t.is(wires[1]?.label, await hostVethOf(h, 'server01', 'eth1'));
      await page.screenshot({ path: join(ARTIFACTS, '3-connect-networks.png') });

      // Flannel (chapter 4), set up by the scenario; the page is refreshed on demand.
      progress('flannel');
      await typeCommand(page, stepHost, 'docker rm -f server01 server03; docker network rm network01 network02');
      const flannel = await cli(['scenario', 'flannel-two-host', '--keep', '--name', LAB, '--subnet', SUBNET]);
      t.is(flannel.code, 0, flannel.stdout.slice(-2000) + flannel.stderr);
      done = Date.now();
      await page.click('#refresh');
      await topologyAfter(page, done, 'refreshed on demand');
      const subnets: Record<string, string> = {};
      for (const host of lab.hosts) subnets[host.name] = /FLANNEL_SUBNET=(\S+)/.exec((await host.$`cat /run/flannel/subnet.env`).stdout)![1]!;
      const routeWire = (await page.textContent('g.wire-route')) ?? '';
      for (const host of lab.hosts) {
        const box = await page.textContent(`g.box-flannel[data-host="${host.name}"]`);
        t.true(box?.includes(`FLANNEL_SUBNET=${subnets[host.name]}`), `${host.name}'s flannel box shows its subnet ${subnets[host.name]}`);
        const other = lab.hosts.find((x) => x !== host)!;
        const dst = new RegExp(`${host.name} → ${other.name}: (\\S+)`).exec(routeWire)?.[1] ?? '';
        const otherNet = tryParseCidr(subnets[other.name]!, false)!;
        const drawn = tryParseCidr(dst, false);
        t.true(
          drawn !== undefined && drawn.prefix <= otherNet.prefix && contains(drawn, otherNet.network),
          `${host.name} → ${other.name} drawn as ${dst}, which covers ${subnets[other.name]}`,
        );
        t.true(
          (await host.$`ip route`).lines().some((l) => l.startsWith(`${dst} `)),
          `${host.name}'s ip route has ${dst}`,
        );
      }
      await page.screenshot({ path: join(ARTIFACTS, '4-flannel.png') });
      t.deepEqual(offsite, [], 'the page loads nothing from anywhere but its server');
    } finally {
      // Each cleanup runs whatever the one before did, so no lab, browser or server is left behind.
      const cleanups: [string, () => Promise<unknown>][] = [
        ['browser', () => browser.close()],
        [
          'server',
          async () => {
            if (!server) return;
            const child = server.child;
            child.kill('SIGINT');
            const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
            const served = await server.done;
            clearTimeout(killer);
            t.false(/token=/.test(served.stderr), 'the token is not in the server log');
          },
        ],
        ['lab connection', async () => lab?.close()],
        ['lab', () => provider.down(LAB, createProgress())],
      ];
      for (const [what, cleanup] of cleanups) await cleanup().catch((err: unknown) => t.log(`cleanup of the ${what} failed: ${String(err)}`));
    }
  });
}

/** The URL `course serve` prints; its stderr in the error when it prints none (or exits). */
function printedUrl(server: ReturnType<typeof startCli>): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    let errors = '';
    const fail = (why: string) => reject(new Error(`course serve ${why}: ${text}\n${errors}`));
    const timer = setTimeout(() => fail('printed no URL within 90 s'), 90_000);
    server.child.stderr!.on('data', (c: Buffer) => (errors += String(c)));
    server.child.stdout!.on('data', (c: Buffer) => {
      text += String(c);
      const m = /(http:\/\/\S+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void server.done.then((r) => {
      clearTimeout(timer);
      fail(`exited with code ${r.code}`);
    });
  });
}

/** The terminal's screen as its rows show it. */
function screen(page: Page, host: string): Promise<string> {
  return page.$eval(`#term-${host} .xterm-rows`, (rows) => [...rows.children].map((r) => r.textContent ?? '').join('\n'));
}

let marks = 0;
/** Types a command and Enter into a host's terminal, waits until it has finished, and says when (ms). */
async function typeCommand(page: Page, host: string, command: string): Promise<number> {
  const mark = `done${++marks}`;
  await page.click(`#term-${host} .xterm-screen`);
  // The echo's quotes keep the typed line from matching: only the command's output is `doneN` alone.
  await page.keyboard.type(`${command}; echo "${mark.slice(0, 2)}""${mark.slice(2)}"`);
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    ([sel, m]) => [...document.querySelector(sel)!.children].some((r) => r.textContent?.trim() === m),
    [`#term-${host} .xterm-rows`, mark] as const,
    { timeout: 60_000 },
  );
  return Date.now();
}

async function waitForText(page: Page, selector: string, pattern: RegExp): Promise<void> {
  await page.waitForFunction(([sel, src]) => new RegExp(src).test(document.querySelector(sel)?.textContent ?? ''), [selector, pattern.source] as const, {
    timeout: 30_000,
  });
}

async function check(page: Page): Promise<{ passed: boolean; failed: { label: string; hint: string }[] }> {
  await page.evaluate(() => (document.getElementById('results')!.innerHTML = ''));
  await page.click('#check');
  await page.waitForSelector('#results li.summary', { timeout: 60_000 });
  return page.$eval('#results', (ul) => ({
    passed: ul.querySelector('li.summary')!.classList.contains('ok'),
    failed: [...ul.querySelectorAll('li.fail:not(.summary)')].map((li) => ({
      label: li.firstChild?.textContent ?? '',
      hint: li.querySelector('.hint')?.textContent ?? '',
    })),
  }));
}

/** Waits for a topology read from the hosts at or after `since` (ms), i.e. one that saw the command's effect. */
async function topologyAfter(page: Page, since: number, what: string): Promise<void> {
  await page
    .waitForFunction(
      (s) => {
        const el = document.getElementById('topology')!;
        return el.dataset.updated !== undefined && Date.parse(el.dataset.updated) >= s && el.dataset.refreshing === '0';
      },
      since,
      { timeout: 30_000 },
    )
    .catch(() => {
      throw new Error(`the topology did not refresh (${what})`);
    });
}

/** The host-side veth of a container's interface, as the host's `ip a` names it (`vethXXXX@ifN`), found through /sys. */
async function hostVethOf(h: Host, container: string, iface: string): Promise<string> {
  const peer = (await h.$`docker exec ${container} cat /sys/class/net/${iface}/iflink`).text();
  const line = (await h.$`ip -o link`).lines().find((l) => l.startsWith(`${peer}: `))!;
  return line.split(': ')[1]!;
}

async function wireOf(page: Page, host: string, container: string, iface: string): Promise<{ target: string; label: string } | undefined> {
  return page
    .$eval(`g.wire[data-id="host:${host}/veth/${container}/${iface}"]`, (g) => ({
      target: g.getAttribute('data-target') ?? '',
      label: g.querySelector('text')?.textContent ?? '',
    }))
    .catch(() => undefined);
}
