/**
 * Standalone echo server for the lab hosts (bundled by bundle.ts, run with Debian's node 18):
 *   node echo-server.mjs --port 7007 [--host 0.0.0.0]
 * Prints one JSON line {"probe":"echo","host":…,"port":…} once listening; stops on SIGTERM/SIGINT.
 */
import { parseArgs } from 'node:util';
import { startEchoServer } from './echo.ts';

const { values } = parseArgs({
  options: { host: { type: 'string', default: '0.0.0.0' }, port: { type: 'string', default: '7007' } },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`echo-server: --port must be 0-65535, got ${values.port}\n`);
  process.exit(2);
}
try {
  const echo = await startEchoServer({ host: values.host as string, port });
  process.stdout.write(`${JSON.stringify({ probe: 'echo', host: echo.host, port: echo.port })}\n`);
  const stop = () => void echo.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (err) {
  process.stderr.write(`echo-server: cannot listen on ${values.host}:${port}: ${(err as Error).message}\n`);
  process.exit(1);
}
