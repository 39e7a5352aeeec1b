/**
 * Reading a host's real network state for the topology view: one read-only shell script per
 * host prints each source (`ip -j -d addr`, `ip -j route`, `bridge -j link`, subnet.env, `docker
 * inspect`, and each container's own `ip -j -d addr` seen from its network namespace through
 * nsenter, since the document's container image has no JSON-speaking `ip`) under a marker line.
 * Splitting the output back into sections is pure; running the script is the only effect here.
 */
import type { Host } from '../host.ts';

const MARK = '@@labbench-topology ';

/** What one host printed, by source; every field is the raw text that source printed. */
export interface HostCapture {
  host: string;
  /** `ip -j -d addr`: links with their kind, master, peer index and addresses. */
  addr: string;
  /** `ip -j route`. */
  route: string;
  /** `bridge -j link`: bridge ports. */
  bridge: string;
  /** `/run/flannel/subnet.env`, '' when flannel has not run here. */
  subnetEnv: string;
  /** `docker network inspect` of every network ('' without a Docker engine). */
  networks: string;
  /** `docker inspect` of the running containers ('' when none). */
  containers: string;
  /** Each running container's `ip -j -d addr` in its own network namespace, by container name. */
  netns: Record<string, string>;
}

/** The read-only script; each section's stderr is dropped so a missing source is just empty. */
export const COLLECT_SCRIPT = `
m() { printf '\\n${MARK}%s\\n' "$1"; }
m addr; ip -j -d addr 2>/dev/null
m route; ip -j route 2>/dev/null
m bridge; bridge -j link 2>/dev/null
m subnet.env; cat /run/flannel/subnet.env 2>/dev/null
if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  m networks; docker network inspect $(docker network ls -q) 2>/dev/null
  ids=$(docker ps -q)
  if [ -n "$ids" ]; then
    m containers; docker inspect $ids 2>/dev/null
    docker inspect -f '{{.State.Pid}} {{.Name}} {{.HostConfig.NetworkMode}}' $ids 2>/dev/null | while read -r pid name mode; do
      case "$mode" in host|container:*) continue;; esac
      m "netns \${name#/}"; nsenter -t "$pid" -n ip -j -d addr 2>/dev/null
    done
  fi
fi
m end
`;

/** Splits the script's output into its sections. */
export function parseCapture(host: string, output: string): HostCapture {
  const sections = new Map<string, string>();
  let current: string | undefined;
  let lines: string[] = [];
  const flush = () => {
    if (current !== undefined) sections.set(current, lines.join('\n').trim());
  };
  for (const line of output.split('\n')) {
    if (line.startsWith(MARK)) {
      flush();
      current = line.slice(MARK.length).trim();
      lines = [];
    } else if (current !== undefined) lines.push(line);
  }
  flush();
  const netns: Record<string, string> = {};
  for (const [key, text] of sections) if (key.startsWith('netns ')) netns[key.slice('netns '.length)] = text;
  return {
    host,
    addr: sections.get('addr') ?? '',
    route: sections.get('route') ?? '',
    bridge: sections.get('bridge') ?? '',
    subnetEnv: sections.get('subnet.env') ?? '',
    networks: sections.get('networks') ?? '',
    containers: sections.get('containers') ?? '',
    netns,
  };
}

/** Runs the script on every host at once. */
export async function captureHosts(hosts: Host[]): Promise<HostCapture[]> {
  return Promise.all(hosts.map(async (h) => parseCapture(h.name, (await h.run(COLLECT_SCRIPT, { nothrow: true, quiet: true, timeoutMs: 60_000 })).stdout)));
}
