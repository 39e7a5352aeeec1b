/**
 * Debian's Chromium as the browser tests drive it through playwright-core: headless, and with
 * everything that would reach the network on its own switched off (the tests open loopback only).
 */
export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
