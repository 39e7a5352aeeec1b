/**
 * The `flanneld.service` unit, modelled on the CentOS/RHEL RPM's (flannel-facts §7.2). Pure.
 *
 * flanneld's unit is Type=notify: flanneld sends READY=1 once subnet.env is written and the
 * backend runs. Node.js cannot send that datagram (no AF_UNIX SOCK_DGRAM), and a helper
 * process sending it races systemd's sender lookup. So the unit is Type=simple and an
 * ExecStartPost waits for the agent's ready file, created at that same moment: the unit stays
 * "activating" until then, so units ordered after it (docker) start only once subnet.env exists.
 */
import { DEFAULT_READY_FILE } from './options.ts';
import { AGENT_BINARY_PATH } from './paths.ts';
import { SYSCONFIG_PATH } from './sysconfig.ts';

/** ExecStart as systemd sees it, one entry per word, before variable expansion. */
export const EXEC_START_ARGS: readonly string[] = [
  AGENT_BINARY_PATH,
  // biome-ignore lint/suspicious/noTemplateCurlyInString: systemd expands ${…} from the EnvironmentFile
  '-etcd-endpoints=${FLANNEL_ETCD_ENDPOINTS}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: systemd expands ${…} from the EnvironmentFile
  '-etcd-prefix=${FLANNEL_ETCD_PREFIX}',
  '$FLANNEL_OPTIONS',
];

/** Seconds systemd waits for readiness before failing the start (systemd's default, made explicit). */
export const START_TIMEOUT_SECONDS = 90;

/** Which daemon the unit runs and how it tells systemd it is ready. */
export interface UnitOptions {
  /** The flanneld executable; labbench's agent by default. */
  binary?: string;
  /**
   * 'ready-file' (labbench's agent, the default): Type=simple plus an ExecStartPost waiting for
   * the agent's ready file. 'sd-notify': Type=notify, for an upstream flanneld binary.
   */
  readiness?: 'ready-file' | 'sd-notify';
}

/** The unit file text. */
export function renderFlanneldUnit(options: UnitOptions = {}): string {
  const binary = options.binary ?? AGENT_BINARY_PATH;
  const notify = options.readiness === 'sd-notify';
  return [
    '[Unit]',
    'Description=Flanneld overlay address etcd agent (labbench flannel-compatible agent)',
    'After=network.target',
    'After=network-online.target',
    'Wants=network-online.target',
    'After=etcd.service',
    'Before=docker.service',
    '',
    '[Service]',
    notify ? 'Type=notify' : 'Type=simple',
    `EnvironmentFile=-${SYSCONFIG_PATH}`,
    ...(notify ? [] : [`ExecStartPre=/bin/rm -f ${DEFAULT_READY_FILE}`]),
    `ExecStart=${[binary, ...EXEC_START_ARGS.slice(1)].join(' ')}`,
    ...(notify ? [] : [`ExecStartPost=/bin/sh -c 'while [ ! -e ${DEFAULT_READY_FILE} ]; do sleep 0.2; done'`]),
    `TimeoutStartSec=${START_TIMEOUT_SECONDS}`,
    'Restart=on-failure',
    'RestartSec=2',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    'RequiredBy=docker.service',
    '',
  ].join('\n');
}
