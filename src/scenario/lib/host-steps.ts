/**
 * Small host operations many scenarios share: editing daemon.json with a backup, waiting for
 * a file, reading a container's address. Each shows up in the transcript as the commands it
 * runs.
 */
import { LabbenchError, TimeoutError } from '../../errors.ts';
import type { Host } from '../../host.ts';
import { mergeDaemonJson, parseDaemonJson, renderDaemonJson } from './docker-json.ts';

export const DAEMON_JSON = '/etc/docker/daemon.json';
const BACKUP = '/etc/docker/daemon.json.labbench-orig';

/** Remembers daemon.json as it is now, once, for restoreDaemonJson (also before a student edits it by hand). */
export async function rememberDaemonJson(host: Host): Promise<void> {
  await host.$({ quiet: true })`test -e ${BACKUP} || { if test -e ${DAEMON_JSON}; then cp -p ${DAEMON_JSON} ${BACKUP}; else echo absent > ${BACKUP}; fi; }`;
}

/** Sets keys in daemon.json (keeping the others), remembering the original once for restoreDaemonJson. */
export async function editDaemonJson(host: Host, changes: Record<string, unknown>): Promise<string> {
  await rememberDaemonJson(host);
  const current = await host.$({ nothrow: true, quiet: true })`cat ${DAEMON_JSON}`;
  const next = renderDaemonJson(mergeDaemonJson(parseDaemonJson(current.ok ? current.stdout : ''), changes));
  await host.put(DAEMON_JSON, next);
  return next;
}

/** Puts daemon.json back as it was before the first editDaemonJson; true when it changed anything. */
export async function restoreDaemonJson(host: Host): Promise<boolean> {
  const r =
    await host.$`if test -e ${BACKUP}; then if grep -qx absent ${BACKUP}; then rm -f ${DAEMON_JSON}; else cp -p ${BACKUP} ${DAEMON_JSON}; fi; rm -f ${BACKUP}; echo restored; fi`;
  return r.text() === 'restored';
}

/**
 * `systemctl restart docker`, then waits until the engine answers. systemd allows docker.service
 * three starts a minute and the chapters restart it more often than that, so the counter is
 * reset around each restart (and left at zero for whatever runs next).
 */
export async function restartDocker(host: Host): Promise<void> {
  await host.$({ quiet: true })`systemctl reset-failed docker.service docker.socket 2>/dev/null || true`;
  await host.$({ timeoutMs: 120_000 })`systemctl restart docker`;
  await waitFor(host, 'docker info', 60_000);
  await host.$({ quiet: true })`systemctl reset-failed docker.service docker.socket 2>/dev/null || true`;
}

/** Polls a shell condition on a host until it succeeds; throws TimeoutError with what it waited for. */
export async function waitFor(host: Host, condition: string, timeoutMs: number, intervalMs = 500): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await host.run(condition, { nothrow: true, quiet: true, timeoutMs: Math.min(timeoutMs, 30_000) });
    if (r.ok) return;
    if (Date.now() >= deadline) {
      throw new TimeoutError(`${host.name}: still waiting after ${Math.round(timeoutMs / 1000)}s for: ${condition}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * `docker run -itd --name <name> <args…>` as the document writes it (or its `-d -it` spelling), then a check that the
 * container really runs (a container that exits at once has no address and would fail later
 * with a puzzling message).
 */
export async function runContainer(host: Host, name: string, args: readonly string[], flags: readonly string[] = ['-itd']): Promise<void> {
  await host.$`docker run ${flags} --name ${name} ${args}`;
  const state = (await host.$({ quiet: true })`docker inspect -f '{{.State.Status}}' ${name}`).text();
  if (state !== 'running') {
    const logs = (await host.$({ nothrow: true, quiet: true })`docker logs --tail 5 ${name}`).stdout;
    throw new LabbenchError(`${host.name}: container ${name} is ${state}, not running${logs.trim() ? `: ${logs.trim()}` : ''}`);
  }
}

/** The IPv4 address of a container on a network (default: its first network). */
export async function containerAddress(host: Host, container: string, network?: string): Promise<string> {
  const format = network ? `{{(index .NetworkSettings.Networks "${network}").IPAddress}}` : '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}';
  const r = await host.$`docker inspect -f ${format} ${container}`;
  return r.text().split(/\s+/)[0] ?? '';
}

/** Removes containers by name if they exist (scenario cleanup and re-runs). */
export async function removeContainers(host: Host, names: readonly string[]): Promise<void> {
  await host.$`docker rm -f ${names} >/dev/null 2>&1 || true`;
}
