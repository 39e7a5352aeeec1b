/**
 * The flannel network config stored at `<prefix>/config`: parsing, flannel's defaults and
 * flannel's validation (`ParseConfig` + `CheckNetworkConfig` in pkg/subnet/config.go). Pure.
 */
import { ConfigError } from '../errors.ts';
import { type Cidr, contains, formatCidr, formatIp, maskOf, size, tryParseCidr, tryParseIp } from '../net/ipv4.ts';
import { goField, isJsonObject, type JsonObject } from './go-json.ts';

/** Backends labbench's agent implements. */
export const SUPPORTED_BACKENDS = ['udp', 'vxlan', 'host-gw'] as const;
export type BackendType = (typeof SUPPORTED_BACKENDS)[number];

/** vxlan options (pkg/backend/vxlan/vxlan.go); Port 0 means the kernel default, 8472. */
export interface VxlanBackend {
  type: 'vxlan';
  vni: number;
  port: number;
  learning: boolean;
  gbp: boolean;
  directRouting: boolean;
  /** Backend.MTU: replaces the interface MTU as the base of the device MTU when set (> 0). */
  mtu: number;
}

/** udp options (pkg/backend/udp); the default port is 8285. */
export interface UdpBackend {
  type: 'udp';
  port: number;
}

/** host-gw has no options. */
export interface HostGwBackend {
  type: 'host-gw';
}

export type BackendConfig = VxlanBackend | UdpBackend | HostGwBackend;

/** A validated network config with flannel's defaults filled in. */
export interface NetworkConfig {
  network: Cidr;
  subnetLen: number;
  /** Network address of the lowest subnet handed out. */
  subnetMin: number;
  /** Network address of the highest subnet handed out. */
  subnetMax: number;
  backend: BackendConfig;
}

/** The kernel's vxlan destination port, which flannel gets by leaving Port at 0. */
export const VXLAN_DEFAULT_PORT = 8472;
/** flannel's udp backend `defaultPort`. */
export const UDP_DEFAULT_PORT = 8285;

const CONFIG_HINT = `write it like {"Network":"172.20.0.0/16","Backend":{"Type":"vxlan"}}`;

/** Parses and checks `<prefix>/config` text exactly as flanneld's etcd subnet manager does. */
export function parseNetworkConfig(text: string): NetworkConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`flannel config is not valid JSON: ${(err as Error).message}`, { hint: CONFIG_HINT });
  }
  if (!isJsonObject(parsed)) throw new ConfigError('flannel config must be a JSON object', { hint: CONFIG_HINT });

  const enableIPv4 = optionalBool(parsed, 'EnableIPv4', true);
  if (!enableIPv4 || optionalBool(parsed, 'EnableIPv6', false)) {
    throw new ConfigError('flannel config enables IPv6 or disables IPv4, which labbench’s flannel agent does not implement', {
      hint: 'use an IPv4-only config (omit EnableIPv4/EnableIPv6), or a real flanneld for dual-stack',
    });
  }
  if (optionalBool(parsed, 'EnableNFTables', false)) {
    throw new ConfigError('flannel config sets EnableNFTables, which labbench’s flannel agent does not implement', {
      hint: 'omit EnableNFTables; the agent programs iptables like flanneld does by default',
    });
  }

  const network = parseNetwork(goField(parsed, 'Network'));
  const backend = parseBackend(parsed);
  const explicitLen = optionalUint(parsed, 'SubnetLen');
  const subnetLen = checkSubnetLen(network, explicitLen);
  const subnetSize = 2 ** (32 - subnetLen);

  const minIp = optionalIp(parsed, 'SubnetMin');
  const maxIp = optionalIp(parsed, 'SubnetMax');
  const subnetMin = minIp ?? network.network + subnetSize;
  if (minIp !== undefined && !contains(network, minIp)) throw rangeError('SubnetMin is not in the range of the Network', network);
  const subnetMax = maxIp ?? network.network + size(network) - subnetSize;
  if (maxIp !== undefined && !contains(network, maxIp)) throw rangeError('SubnetMax is not in the range of the Network', network);

  const mask = maskOf(subnetLen);
  if ((subnetMin & mask) >>> 0 !== subnetMin) {
    throw new ConfigError(`SubnetMin is not on a SubnetLen boundary: ${formatIp(subnetMin)}`, { hint: `use a multiple of /${subnetLen}` });
  }
  if ((subnetMax & mask) >>> 0 !== subnetMax) {
    throw new ConfigError(`SubnetMax is not on a SubnetLen boundary: ${formatIp(subnetMax)}`, { hint: `use a multiple of /${subnetLen}` });
  }
  return { network, subnetLen, subnetMin, subnetMax, backend };
}

function rangeError(message: string, network: Cidr): ConfigError {
  return new ConfigError(message, { hint: `pick an address inside ${formatCidr(network)}` });
}

/** flannel's SubnetLen rule: default 24 up to a /22 network, else prefix+2; explicit values ≤ 30 and ≥ prefix+2. */
function checkSubnetLen(network: Cidr, explicit: number | undefined): number {
  if (explicit !== undefined && explicit > 0) {
    if (explicit > 30)
      throw new ConfigError('SubnetLen must be less than /31', { hint: 'each host subnet needs room for a bridge and containers: use /30 or larger' });
    if (explicit < network.prefix + 2) {
      throw new ConfigError('network must be able to accommodate at least four subnets', {
        hint: `use SubnetLen ≥ ${network.prefix + 2} for a /${network.prefix} Network`,
      });
    }
    return explicit;
  }
  if (network.prefix > 28) {
    throw new ConfigError('network is too small. Minimum useful network prefix is /28', { hint: 'use a Network of /28 or larger, e.g. 172.20.0.0/16' });
  }
  return network.prefix <= 22 ? 24 : network.prefix + 2;
}

function parseNetwork(value: unknown): Cidr {
  if (value === undefined || value === null || value === '') {
    throw new ConfigError('please define a correct Network parameter in the flannel config', { hint: CONFIG_HINT });
  }
  // Go's net.ParseCIDR masks host bits silently, so "10.5.1.0/16" means 10.5.0.0/16.
  const cidr = typeof value === 'string' ? tryParseCidr(value, false) : undefined;
  if (!cidr) throw new ConfigError(`flannel config Network ${JSON.stringify(value)} is not an IPv4 CIDR block`, { hint: CONFIG_HINT });
  if (cidr.prefix === 0 && cidr.network === 0) {
    throw new ConfigError('please define a correct Network parameter in the flannel config', { hint: CONFIG_HINT });
  }
  return cidr;
}

function parseBackend(config: JsonObject): BackendConfig {
  const raw = goField(config, 'Backend');
  // flannel: a Backend key that is absent selects udp; any present value is decoded for its Type.
  if (raw === undefined) return { type: 'udp', port: UDP_DEFAULT_PORT };
  if (raw !== null && !isJsonObject(raw)) {
    throw new ConfigError('error decoding Backend property of config: it must be an object', { hint: `write it like "Backend":{"Type":"vxlan"}` });
  }
  const backend = raw ?? {};
  const type = goField(backend, 'Type') ?? '';
  if (typeof type !== 'string') throw new ConfigError('error decoding Backend property of config: Type must be a string');
  switch (type) {
    case 'udp':
      return { type, port: optionalUint(backend, 'Port') || UDP_DEFAULT_PORT };
    case 'vxlan':
      return {
        type,
        vni: optionalUint(backend, 'VNI') || 1,
        port: optionalUint(backend, 'Port') || VXLAN_DEFAULT_PORT,
        learning: optionalBool(backend, 'Learning', false),
        gbp: optionalBool(backend, 'GBP', false),
        directRouting: optionalBool(backend, 'DirectRouting', false),
        mtu: optionalUint(backend, 'MTU') ?? 0,
      };
    case 'host-gw':
      return { type };
    default:
      throw new ConfigError(`backend type ${JSON.stringify(type)} is not supported by labbench’s flannel agent`, {
        hint: `set Backend.Type to one of ${SUPPORTED_BACKENDS.join(', ')} (or omit Backend for udp)`,
      });
  }
}

function optionalBool(obj: JsonObject, name: string, fallback: boolean): boolean {
  const value = goField(obj, name);
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new ConfigError(`flannel config field ${name} must be true or false, not ${JSON.stringify(value)}`);
  return value;
}

function optionalUint(obj: JsonObject, name: string): number | undefined {
  const value = goField(obj, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ConfigError(`flannel config field ${name} must be a non-negative integer, not ${JSON.stringify(value)}`);
  }
  return value;
}

function optionalIp(obj: JsonObject, name: string): number | undefined {
  const value = goField(obj, name);
  if (value === undefined || value === null || value === '') return undefined;
  const ip = typeof value === 'string' ? tryParseIp(value) : undefined;
  if (ip === undefined) throw new ConfigError(`flannel config field ${name} must be an IPv4 address, not ${JSON.stringify(value)}`);
  // flannel treats 0.0.0.0 as "not set" (the Go zero value).
  return ip === 0 ? undefined : ip;
}
