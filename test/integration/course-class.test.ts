/**
 * `pnpm course serve --class ROSTER` in headless Chromium with a teacher and two students, each
 * student on a real lab of their own: Alice types §3.5 step 1 on the step's host and her Check
 * passes; Bob types it on the other host and his Check fails, naming the host it read and where
 * network01 does exist; the teacher's dashboard shows both without a reload; Bob's token is
 * refused on Alice's lab (page, topology, check, terminal, recordings); the teacher watches
 * Alice's terminal read-only and sees her topology; Alice's recording replays in the dashboard's
 * asciinema-player and she downloads it; after a reload her page is back in the same shell. `--down` takes the
 * class's labs down. Screenshots go to test/artifacts/course-class/.
 */

import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { chromium, type Page } from 'playwright-core';
import { classTokensFile } from '../../src/course/class/tokens.ts';
import { LocalProvider } from '../../src/providers/local/provider.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.ts';
import { cli, REPO, rootSkipReason, startCli } from '../support/cli.ts';

const PREFIX = 'k20t';
const SUBNETS = '10.123.40.0/23';
const ARTIFACTS = join(REPO, 'test/artifacts/course-class');
const NETWORK01 = 'docker network create --subnet 172.10.0.0/24 --gateway 172.10.0.1 network01';

function progress(what: string): void {
  appendFileSync(join(ARTIFACTS, 'progress.log'), `${new Date().toISOString()} ${what}\n`);
}

const skip = rootSkipReason() ?? (existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install -y chromium)`);

if (skip) {
  test.skip(`course serve --class in headless Chromium — skipped: ${skip}`, () => {});
} else {
  test.serial("a class: two students on labs of their own, the teacher's live dashboard, a slip named, a token refused, a recording replayed", async (t) => {
    rmSync(ARTIFACTS, { recursive: true, force: true });
    await mkdir(ARTIFACTS, { recursive: true });
    const dir = mkdtempSync(join(tmpdir(), 'labbench-class-'));
    const roster = join(dir, 'roster.txt');
    writeFileSync(roster, '# two students\nalice\nbob\n');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    let server: ReturnType<typeof startCli> | undefined;
    let finished = false;
    try {
      progress('serve --class');
      server = startCli([
        'course',
        'serve',
        '--class',
        roster,
        '--exercise',
        'custom-network',
        '--prefix',
        PREFIX,
        '--subnets',
        SUBNETS,
        '--port',
        '0',
        '--stuck-checks',
        '2',
      ]);
      const urls = await printedUrls(server, ['teacher', 'alice', 'bob']);
      const written = readFileSync(join(dir, 'roster.urls.txt'), 'utf8');
      for (const u of Object.values(urls)) t.true(written.includes(u), 'every URL is in the file written for the teacher');
      t.is(new Set(Object.values(urls).map((u) => new URL(u).searchParams.get('token'))).size, 3, 'three different tokens');
      const provider = new LocalProvider();
      for (const [s, subnet] of [
        ['alice', '10.123.40.0/24'],
        ['bob', '10.123.41.0/24'],
      ] as const) {
        t.is((await provider.inventory(`${PREFIX}-${s}`))?.subnet, subnet, `${s} has a lab of their own on ${subnet}`);
      }

      const context = await browser.newContext({ viewport: { width: 1500, height: 1000 } });
      const offsite: string[] = [];
      const open = async (who: string) => {
        const page = await context.newPage();
        page.on('request', (r) => !r.url().startsWith(new URL(urls[who]!).origin) && offsite.push(r.url()));
        page.on('dialog', (d) => void d.accept());
        await page.goto(urls[who]!);
        return page;
      };
      const teacher = await open('teacher');
      await teacher.waitForSelector('#grid tr[data-student="bob"]');
      t.regex((await teacher.textContent('#grid tr[data-student="alice"] td.status')) ?? '', /not joined yet/);
      const alice = await open('alice');
      const bob = await open('bob');
      t.is(await alice.textContent('#lab'), `${PREFIX}-alice`);
      t.is(await bob.textContent('#lab'), `${PREFIX}-bob`);

      // Alice on the step's host: passes. Bob on the other host: fails, and the check says where.
      progress('alice and bob type step 1');
      await alice.waitForFunction(() => /^work on host/.test(document.getElementById('step-host')?.textContent ?? ''));
      const stepHost = (await alice.textContent('#step-host'))?.replace(/^work on /, '') ?? '';
      t.regex(stepHost, /^host[AB]$/);
      const otherHost = stepHost === 'hostB' ? 'hostA' : 'hostB';
      await typeCommand(alice, stepHost, NETWORK01);
      await typeCommand(bob, otherHost, NETWORK01);
      const passed = await check(alice);
      t.true(passed.passed, JSON.stringify(passed));
      const failed = await check(bob);
      t.false(failed.passed);
      const exists = failed.failed.find((f) => f.label.startsWith('✗ docker network inspect network01: it exists'));
      t.truthy(exists, JSON.stringify(failed.failed));
      t.regex(exists?.label ?? '', new RegExp(`\\[read on ${stepHost}\\]`), 'the failed check names the host it read');
      t.is(exists?.elsewhere, `holds on ${otherHost}; this step is on ${stepHost}`);
      t.regex(failed.summary, new RegExp(`passes on ${otherHost}, but this step is on ${stepHost}`));
      await bob.screenshot({ path: join(ARTIFACTS, '1-bob-slip.png') });

      // The dashboard, never reloaded, shows both.
      progress('dashboard');
      await teacher.waitForSelector('#grid tr[data-student="alice"] td.cell[data-step="1"][data-state="passed"]', { timeout: 15_000 });
      await teacher.waitForSelector('#grid tr[data-student="bob"] td.cell[data-step="1"][data-state="failed"]', { timeout: 15_000 });
      t.regex((await teacher.textContent('#grid tr[data-student="alice"] td.status')) ?? '', /on step 2/);
      // A second failed check makes Bob stuck under this class's rule (--stuck-checks 2).
      await check(bob);
      await teacher.waitForSelector('#grid tr[data-student="bob"].stuck', { timeout: 15_000 });
      t.regex((await teacher.textContent('#grid tr[data-student="bob"] td.status')) ?? '', /stuck: 2 failed checks in a row on step 1/);

      // Bob's token on Alice's lab: refused, however asked.
      progress('bob refused');
      // A script string: tsx's helper names must not leak into the page.
      const refusals = await bob.evaluate(`(async () => {
        const token = new URLSearchParams(location.search).get('token');
        const q = (path) => path + (path.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token);
        const status = async (path, init) => (await fetch(q(path), init)).status;
        const socket = (path) => new Promise((resolve) => {
          const ws = new WebSocket('ws://' + location.host + q(path));
          ws.onopen = () => resolve('opened');
          ws.onerror = () => resolve('refused');
        });
        return {
          page: await status('/?student=alice'),
          topology: await status('/api/topology?student=alice'),
          check: await status('/api/course/check?student=alice', { method: 'POST', body: '{}' }),
          recordings: await status('/api/student/alice/recordings'),
          terminal: await socket('/ws/terminal?student=alice&host=hostB'),
          watch: await socket('/ws/watch?student=alice&host=hostB'),
        };
      })()`);
      t.deepEqual(refusals, { page: 403, topology: 403, check: 403, recordings: 403, terminal: 'refused', watch: 'refused' });

      // The teacher watches Alice: her terminal (read-only, with what she typed) and her topology.
      progress('teacher watches alice');
      await teacher.click('#grid tr[data-student="alice"]');
      await teacher.waitForFunction((h) => /network01/.test(document.querySelector(`#watch-${h} .xterm-rows`)?.textContent ?? ''), stepHost, {
        timeout: 15_000,
      });
      await teacher.waitForFunction(() => /br-[0-9a-f]{12}/.test(document.getElementById('topology-svg')?.textContent ?? ''), undefined, { timeout: 30_000 });
      t.regex((await teacher.textContent('#topology-svg')) ?? '', /network01/, "Alice's network01 in her topology");
      await teacher.click(`#watch-${stepHost} .xterm-screen`);
      await teacher.keyboard.type('echo typed-by-teacher\n');
      await typeCommand(alice, stepHost, 'echo still-hers');
      await teacher.waitForFunction((h) => /still-hers/.test(document.querySelector(`#watch-${h} .xterm-rows`)?.textContent ?? ''), stepHost, {
        timeout: 15_000,
      });
      t.false(/typed-by-teacher/.test((await alice.textContent(`#term-${stepHost} .xterm-rows`)) ?? ''), "nothing the teacher types reaches Alice's shell");

      // Alice's recording replays in the dashboard, beside her checks.
      progress('replay');
      await teacher.click('#recordings-refresh');
      await teacher.waitForSelector(`#recordings li a:text-matches("${stepHost}")`);
      await teacher.click(`#recordings li a:text-matches("${stepHost}")`);
      await teacher.waitForSelector('#checks li.ok a.seek', { timeout: 15_000 });
      await teacher.click('#checks li.ok a.seek');
      await teacher.waitForFunction(() => /network01/.test(document.getElementById('player')?.textContent ?? ''), undefined, { timeout: 20_000 });
      t.pass('the player shows the command Alice typed, at the time of her passing check');
      await teacher.screenshot({ path: join(ARTIFACTS, '2-dashboard.png'), fullPage: true });

      // Alice downloads her own recording: asciicast v2 holding her command.
      const download = (await alice.evaluate(`(async () => {
        const token = encodeURIComponent(new URLSearchParams(location.search).get('token'));
        const list = await (await fetch('/api/recordings?token=' + token)).json();
        return Promise.all(list.map(async (r) => (await fetch('/api/recordings/' + r.id + '.cast?token=' + token)).text()));
      })()`)) as string[];
      t.true(download.length >= 2, 'a recording per terminal');
      // What the terminal showed is the "o" events joined (a typed line is echoed a few keys at a time).
      const screenOf = (cast: string) =>
        cast
          .split('\n')
          .slice(1)
          .filter(Boolean)
          .map((l) => JSON.parse(l) as [number, string, string])
          .filter((e) => e[1] === 'o')
          .map((e) => e[2])
          .join('');
      // (Not the whole command: where it wraps at the terminal's width, readline adds its own characters.)
      const mine = download.find((text) => screenOf(text).includes('network01'));
      if (!mine) t.log(download.map((text) => text.slice(0, 300)).join('\n---\n'));
      t.is((JSON.parse(mine?.split('\n')[0] ?? '{}') as { version?: number }).version, 2);
      t.regex(mine ?? '', /"m","check step 1: ✓ passes"/, 'the passing check is a marker in the recording');

      // Leaving and coming back: the page shows her progress and her terminals reconnect.
      progress('reload');
      await alice.reload();
      await alice.waitForSelector('#steps li.passed[data-step="1"]', { timeout: 15_000 });
      await alice.waitForFunction((h) => /^connected/.test(document.querySelector(`#term-${h} .status`)?.textContent ?? ''), stepHost, { timeout: 30_000 });
      t.regex((await alice.textContent(`#term-${stepHost} .status`)) ?? '', /the same shell as before/, 'back in the shell she left');
      await alice.waitForFunction((h) => /still-hers/.test(document.querySelector(`#term-${h} .xterm-rows`)?.textContent ?? ''), stepHost, { timeout: 10_000 });
      t.pass('with what it showed');
      await typeCommand(alice, stepHost, 'history | grep -c still-hers');
      await alice.screenshot({ path: join(ARTIFACTS, '3-alice.png') });
      t.deepEqual(offsite, [], 'no page loads anything from anywhere but its server');
      finished = true;
    } catch (err) {
      progress(`failed: ${String(err)}`);
      throw err;
    } finally {
      const cleanups: [string, () => Promise<unknown>][] = [
        ['browser', () => browser.close()],
        [
          'server',
          async () => {
            if (!server) return;
            server.child.kill('SIGINT');
            const killer = setTimeout(() => server!.child.kill('SIGKILL'), 15_000);
            await server.done;
            clearTimeout(killer);
          },
        ],
        [
          'labs',
          async () => {
            const down = await cli(['course', 'serve', '--class', roster, '--prefix', PREFIX, '--down']);
            const left = [];
            for (const s of ['alice', 'bob']) if (await new LocalProvider().status(`${PREFIX}-${s}`)) left.push(s);
            // Asserted only after a test body that went through: a failure there is the one to report.
            if (finished) {
              t.is(down.code, 0, down.stderr);
              t.deepEqual(left, [], '--down took every lab of the class down');
              t.false(existsSync(classTokensFile(PREFIX)), 'and forgot its tokens');
            } else if (down.code !== 0 || left.length > 0) t.log(`--down: exit ${down.code}, labs left: ${left.join(', ')}\n${down.stderr}`);
          },
        ],
        ['files', async () => rmSync(dir, { recursive: true, force: true })],
      ];
      for (const [what, cleanup] of cleanups) await cleanup().catch((err: unknown) => t.log(`cleanup of the ${what} failed: ${String(err)}`));
    }
  });
}

/** The URLs `course serve --class` prints, by name; its output in the error when it prints them not. */
function printedUrls(server: ReturnType<typeof startCli>, names: string[]): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    let text = '';
    let errors = '';
    const fail = (why: string) => reject(new Error(`course serve --class ${why}: ${text}\n${errors}`));
    const timer = setTimeout(() => fail('printed no URLs within 5 min'), 300_000);
    server.child.stderr!.on('data', (c: Buffer) => (errors += String(c)));
    server.child.stdout!.on('data', (c: Buffer) => {
      text += String(c);
      const found = Object.fromEntries(
        names.flatMap((n) => {
          const m = new RegExp(`^${n}\\s+(http://\\S+)`, 'm').exec(text);
          return m ? [[n, m[1]!]] : [];
        }),
      );
      if (Object.keys(found).length === names.length) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    void server.done.then((r) => {
      clearTimeout(timer);
      fail(`exited with code ${r.code}`);
    });
  });
}

let marks = 0;
/** Types a command and Enter into a host's terminal and waits until it has finished. */
async function typeCommand(page: Page, host: string, command: string): Promise<void> {
  const mark = `done${++marks}`;
  await page.waitForFunction((h) => /^connected/.test(document.querySelector(`#term-${h} .status`)?.textContent ?? ''), host, { timeout: 30_000 });
  await page.click(`#term-${host} .xterm-screen`);
  // The echo's quotes keep the typed line from matching: only the command's output is `doneN` alone.
  await page.keyboard.type(`${command}; echo "${mark.slice(0, 2)}""${mark.slice(2)}"`);
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    ([sel, m]) => [...document.querySelector(sel)!.children].some((r) => r.textContent?.trim() === m),
    [`#term-${host} .xterm-rows`, mark] as const,
    { timeout: 60_000 },
  );
}

async function check(page: Page): Promise<{ passed: boolean; summary: string; failed: { label: string; elsewhere: string; hint: string }[] }> {
  await page.evaluate(() => (document.getElementById('results')!.innerHTML = ''));
  await page.click('#check');
  await page.waitForSelector('#results li.summary', { timeout: 60_000 });
  return page.$eval('#results', (ul) => ({
    passed: ul.querySelector('li.summary')!.classList.contains('ok'),
    summary: [...ul.querySelectorAll('li.elsewhere')].map((li) => li.textContent ?? '').join('\n'),
    failed: [...ul.querySelectorAll('li.fail:not(.summary)')].map((li) => ({
      label: [...li.childNodes]
        .filter((n) => n.nodeType === 3 || (n as Element).classList?.contains('read'))
        .map((n) => n.textContent)
        .join(''),
      elsewhere: li.querySelector('.elsewhere')?.textContent ?? '',
      hint: li.querySelector('.hint')?.textContent ?? '',
    })),
  }));
}
