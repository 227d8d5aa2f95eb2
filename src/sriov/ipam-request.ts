// A CNI request for an IPAM call on behalf of another attachment than the running command's
// (a pod whose DEL never came): its own container, ifname, netns, config and CNI_PATH, in the
// arguments and in the environment the delegate sees, so it can never release the wrong addresses.
import type { CniRequest } from '../cni/index.js';

export interface OnBehalfOf {
  containerId: string;
  ifname: string;
  /** '' when the netns is gone (as runtimes send it then). */
  netns: string;
  config: Record<string, unknown>;
  paths: string[];
}

export function ipamRequestFor(base: Pick<CniRequest, 'env' | 'stderr'>, who: OnBehalfOf): CniRequest {
  const stdin = Buffer.from(JSON.stringify(who.config));
  const cniVersion = typeof who.config.cniVersion === 'string' ? who.config.cniVersion : '0.1.0';
  return {
    command: 'DEL',
    containerId: who.containerId,
    netns: who.netns,
    ifname: who.ifname,
    args: new Map(),
    ignoreUnknownArgs: true,
    paths: who.paths,
    cniVersion,
    config: who.config,
    stdin,
    prevResult: null,
    stderr: base.stderr,
    env: {
      ...base.env,
      CNI_COMMAND: 'DEL',
      CNI_CONTAINERID: who.containerId,
      CNI_NETNS: who.netns,
      CNI_IFNAME: who.ifname,
      CNI_PATH: who.paths.join(':'),
      CNI_ARGS: undefined,
    },
  };
}
