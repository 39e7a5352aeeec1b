/**
 * The agent's version line: it must be obvious that this is labbench's flannel-compatible
 * agent, not an upstream flanneld build.
 */
import pkg from '../../package.json' with { type: 'json' };

/** labbench's version, which the agent carries. */
export const AGENT_VERSION: string = pkg.version;

/** What `flanneld -version` prints. */
export function agentVersionText(): string {
  return `labbench-flanneld v${AGENT_VERSION} (labbench's flannel-compatible agent, not upstream flannel; etcd v2/v3 lease contract of flannel; backends udp, vxlan, host-gw)`;
}
