import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
const lines = readFileSync(process.argv[2]!, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
const url = (who: string) => lines.find((l) => l.startsWith(who))!.split(/\s+/)[1]!;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const page = await (await browser.newContext({ viewport: { width: 1500, height: 1000 } })).newPage();
page.on('console', (m) => console.log('console', m.type(), m.text()));
page.on('pageerror', (e) => console.log('pageerror', e.message));
await page.goto(url('alice'));
for (let i = 0; i < 6; i++) {
  await page.waitForTimeout(2000);
  console.log(await page.$$eval('.terminal .status', (els) => els.map((e) => e.textContent)));
}
await page.screenshot({ path: '/tmp/k20shots/probe.png' });
await browser.close();
