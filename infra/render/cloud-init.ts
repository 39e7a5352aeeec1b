/**
 * The three NoCloud documents of one VM's seed ISO: user-data (hostname, the login user's SSH
 * key, optionally the pinned SSH host key), meta-data (instance-id, local-hostname) and
 * network-config v2 (a static address on the NIC matched by its MAC, so it works whatever the
 * distribution names the interface: eth0 on Rocky, enp1s0 on Ubuntu).
 */
import { stringify } from 'yaml';

/**
 * cloud-init reads its documents with PyYAML, a YAML 1.1 parser: written as YAML 1.1, strings such
 * as "yes" or a MAC like 52:54:00:00:12:34 (a base-60 number in 1.1) are quoted. No line folding,
 * so keys and long values stay on one line.
 */
function toYaml(doc: Record<string, unknown>): string {
  return stringify(doc, { version: '1.1', lineWidth: 0 });
}

/** An SSH host key pair in OpenSSH format, injected so the lab can pin it before first boot. */
export interface HostKeyPair {
  privateKey: string;
  publicKey: string;
}

/** Everything the seed documents of one VM are made from. */
export interface CloudInitSpec {
  /** libvirt domain name; also the instance-id (a new one would make cloud-init run again). */
  instanceId: string;
  hostname: string;
  /** Public keys authorised for the image's default user (rocky, ubuntu). */
  sshAuthorizedKeys: string[];
  hostKey?: HostKeyPair;
  mac: string;
  /** Address with prefix, e.g. 192.168.100.12/24. */
  addressCidr: string;
  gateway: string;
  /** Give the VM a default route and DNS through the gateway (NAT networks). */
  routed: boolean;
}

/** The `#cloud-config` user-data document. */
export function renderUserData(spec: CloudInitSpec): string {
  const doc = {
    hostname: spec.hostname,
    manage_etc_hosts: true,
    users: ['default'],
    ssh_authorized_keys: spec.sshAuthorizedKeys,
    ssh_pwauth: false,
    ...(spec.hostKey
      ? {
          // Only the injected key: no other host key type the lab has not pinned.
          ssh_deletekeys: true,
          ssh_genkeytypes: [],
          ssh_keys: { ed25519_private: ensureNewline(spec.hostKey.privateKey), ed25519_public: spec.hostKey.publicKey.trim() },
        }
      : {}),
  };
  return `#cloud-config\n${toYaml(doc)}`;
}

/** The meta-data document. */
export function renderMetaData(spec: CloudInitSpec): string {
  return toYaml({ 'instance-id': spec.instanceId, 'local-hostname': spec.hostname });
}

/** The network-config (version 2) document. */
export function renderNetworkConfig(spec: CloudInitSpec): string {
  return toYaml({
    version: 2,
    ethernets: {
      lan0: {
        match: { macaddress: spec.mac.toLowerCase() },
        addresses: [spec.addressCidr],
        // 0.0.0.0/0 rather than `default`: understood by every cloud-init renderer (netplan, sysconfig, NetworkManager).
        routes: spec.routed ? [{ to: '0.0.0.0/0', via: spec.gateway }] : undefined,
        nameservers: spec.routed ? { addresses: [spec.gateway] } : undefined,
      },
    },
  });
}

function ensureNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
