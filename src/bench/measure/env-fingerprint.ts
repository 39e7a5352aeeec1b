/**
 * Collecting the environment fingerprint from the lab's hosts: kernel, CPU, core count, OS,
 * Docker/etcd/flannel/iperf3/ping/node versions and the LAN MTU, read with one command per
 * host; plus what the run itself fixes (backend, the MTU flannel hands out, probe settings).
 * The parsing and merging are pure; `collectHostFacts` is the only effect.
 */
import type { Host } from '../../host.ts';
import type { ProbeKind } from '../plan/metrics.ts';
import type { ProbeSettings } from '../plan/suite.ts';
import type { Fingerprint, FingerprintValue } from './fingerprint.ts';

/** Facts of one host, by fingerprint field. */
export type HostFacts = Record<string, FingerprintValue>;

/**
 * The shell script that prints one `field=value` line per fact. `address` is the host's LAN
 * address, whose interface MTU is the underlay MTU every path but loopback crosses.
 */
export function hostFactsScript(address: string): string {
  return [
    'echo "kernel=$(uname -r)"',
    `echo "cpuModel=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"`,
    'echo "cpuCores=$(nproc)"',
    `echo "os=$(. /etc/os-release && echo "$PRETTY_NAME")"`,
    `echo "docker=$(docker version --format '{{.Server.Version}}' 2>/dev/null)"`,
    `echo "etcd=$(etcd --version 2>/dev/null | sed -n 's/^etcd Version: //p')"`,
    // The flanneld the unit runs (labbench's agent or a real one), when flannel is installed.
    `flanneld=$(systemctl show -p ExecStart --value flanneld 2>/dev/null | sed -n 's/.*path=\\([^ ;]*\\).*/\\1/p' | head -n1)`,
    `echo "flannel=$(test -n "$flanneld" && "$flanneld" -version 2>&1 | head -n1)"`,
    'echo "iperf3=$(iperf3 --version 2>/dev/null | head -n1)"',
    'echo "ping=$(ping -V 2>/dev/null | head -n1)"',
    'echo "node=$(node --version 2>/dev/null)"',
    `lan=$(ip -o -4 addr show | awk -v a='${address}' '$4 ~ "^"a"/" {print $2}' | head -n1)`,
    'echo "mtu=$(test -n "$lan" && cat /sys/class/net/$lan/mtu)"',
  ].join('\n');
}

const NUMERIC = new Set(['cpuCores', 'mtu']);

/** Parses the script's output; tool banners are cut to name and version, empty values become null. */
export function parseHostFacts(output: string): HostFacts {
  const facts: HostFacts = {};
  for (const line of output.split('\n')) {
    const at = line.indexOf('=');
    if (at <= 0) continue;
    const field = line.slice(0, at);
    const text = line.slice(at + 1).trim();
    facts[field] = text === '' ? null : NUMERIC.has(field) && Number.isFinite(Number(text)) ? Number(text) : normalise(field, text);
  }
  return facts;
}

function normalise(field: string, text: string): string {
  switch (field) {
    case 'iperf3':
      // "iperf 3.12 (cJSON 1.7.15)" → "iperf 3.12"
      return /^iperf \S+/.exec(text)?.[0] ?? text;
    case 'ping':
      // "ping from iputils 20221126" → "iputils 20221126"
      return /iputils \S+/.exec(text)?.[0] ?? text;
    case 'flannel':
      // labbench's agent: "labbench-flanneld v0.1.0 (…)"; upstream: "v0.17.0"
      return text.replace(/\s*\(.*$/, '');
    default:
      return text;
  }
}

/** Runs the facts script on a host. */
export async function collectHostFacts(host: Host): Promise<HostFacts> {
  const out = await host.run(hostFactsScript(host.address), { quiet: true, timeoutMs: 60_000 });
  return parseHostFacts(out.stdout);
}

/**
 * One fingerprint from several hosts' facts: a field all hosts agree on keeps its value; a
 * field they disagree on lists each host's ("hostA: 3.12; hostB: 3.16").
 */
export function mergeHostFacts(byHost: readonly { host: string; facts: HostFacts }[]): Fingerprint {
  const fields = [...new Set(byHost.flatMap((h) => Object.keys(h.facts)))].sort();
  const merged: Fingerprint = {};
  for (const field of fields) {
    const values = byHost.map((h) => h.facts[field] ?? null);
    const first = values[0] ?? null;
    merged[field] = values.every((v) => v === first)
      ? first
      : byHost.map((h, i) => `${h.host}: ${values[i] === null ? '(unknown)' : String(values[i])}`).join('; ');
  }
  return merged;
}

/** The probe settings as fingerprint fields: a baseline measured another way is not comparable. */
export function probeFields(settings: ProbeSettings, probes: readonly ProbeKind[]): Fingerprint {
  const text: Record<ProbeKind, string> = {
    tcp: `iperf3 -t ${settings.tcp.durationS} -O ${settings.tcp.omitS} -P ${settings.tcp.streams}${settings.tcp.pinCpus ? ' pinned' : ''}`,
    udp: `iperf3 -u -b ${settings.udp.bitrate} -l ${settings.udp.lengthBytes} -t ${settings.udp.durationS} -O ${settings.udp.omitS}${settings.tcp.pinCpus ? ' pinned' : ''}`,
    ping: `ping -c ${settings.ping.count} -i ${settings.ping.intervalS} skip ${settings.ping.skipFirst}`,
    rr: `rr ${settings.rr.payloadBytes} B, ${settings.rr.timeMs} ms ≥ ${settings.rr.iterations}, warm-up ${settings.rr.warmupTimeMs} ms ≥ ${settings.rr.warmupIterations}${settings.tcp.pinCpus ? ' pinned' : ''}`,
  };
  return Object.fromEntries(probes.map((p) => [`probe.${p}`, text[p]]));
}

/** The overlay's fields: backend(s), and the MTU flannel hands out (FLANNEL_MTU) per backend. */
export function overlayFields(mtuByBackend: ReadonlyMap<string, number | null>): Fingerprint {
  const backends = [...mtuByBackend.keys()];
  if (backends.length === 0) return {};
  if (backends.length === 1) return { backend: backends[0] as string, 'mtu.overlay': mtuByBackend.get(backends[0] as string) ?? null };
  return {
    backend: backends.join('+'),
    ...Object.fromEntries(backends.map((b) => [`mtu.overlay-${b}`, mtuByBackend.get(b) ?? null])),
  };
}

/**
 * Baseline fields a narrower run cannot speak for, so they are left out of the comparison:
 * the overlay's when this run measures no overlay, a probe's settings when it runs no such probe.
 */
export function fieldsNotMeasured(baseline: Fingerprint, current: Fingerprint): string[] {
  const overlayMeasured = 'backend' in current;
  return Object.keys(baseline).filter((field) => {
    if (field in current) return false;
    if (field.startsWith('probe.')) return true;
    return !overlayMeasured && (field === 'backend' || field === 'flannel' || field === 'etcd' || field.startsWith('mtu.overlay'));
  });
}
