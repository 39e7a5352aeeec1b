import { chromium, type Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
const lines = readFileSync('/tmp/k20-roster.urls.txt', 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
const url = (who: string) => lines.find((l) => l.startsWith(who))!.split(/\s+/)[1]!;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const ctx = await browser.newContext({ viewport: { width: 1500, height: 1000 } });
const log = (p: Page, n: string) => { p.on('console', (m) => console.log(n, m.type(), m.text())); p.on('pageerror', (e) => console.log(n, 'pageerror', e.message)); p.on('dialog', (d) => void d.accept()); };
const teacher = await ctx.newPage(); log(teacher, 'T');
await teacher.goto(url('teacher'));
const alice = await ctx.newPage(); log(alice, 'A');
await alice.goto(url('alice'));
const bob = await ctx.newPage(); log(bob, 'B');
await bob.goto(url('bob'));
let marks = 0;
async function type(page: Page, host: string, command: string) {
  const mark = `done${++marks}`;
  await page.waitForFunction((h) => /connected/.test(document.querySelector(`#term-${h} .status`)?.textContent ?? ''), host, { timeout: 30000 });
  await page.click(`#term-${host} .xterm-screen`);
  await page.keyboard.type(`${command}; echo "${mark.slice(0, 2)}""${mark.slice(2)}"`);
  await page.keyboard.press('Enter');
  await page.waitForFunction(([sel, m]) => [...document.querySelector(sel)!.children].some((r) => r.textContent?.trim() === m), [`#term-${host} .xterm-rows`, mark] as const, { timeout: 60000 });
}
await type(alice, 'hostB', 'docker network create --subnet 172.10.0.0/24 --gateway 172.10.0.1 network01');
await type(bob, 'hostA', 'docker network create --subnet 172.10.0.0/24 --gateway 172.10.0.1 network01');
for (const p of [alice, bob]) { await p.click('#check'); await p.waitForSelector('#results li.summary', { timeout: 60000 }); }
await teacher.waitForTimeout(2500);
await teacher.click('#grid tr[data-student="alice"]');
await teacher.waitForTimeout(4000);
await teacher.click('#recordings li a');
await teacher.waitForTimeout(3000);
await alice.screenshot({ path: '/tmp/k20shots/alice.png' });
await bob.screenshot({ path: '/tmp/k20shots/bob.png' });
await teacher.screenshot({ path: '/tmp/k20shots/teacher.png', fullPage: true });
await browser.close();
