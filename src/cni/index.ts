// The CNI protocol layer: versions, environment, results, errors, IPAM delegation and the dispatcher.
// Node built-ins only: this is on the plugin binary's start-up path.

export {
  type CniEnv,
  checkArgsKnown,
  type Env,
  parseCniArgs,
  parseEnv,
  validateContainerId,
  validateIfname,
} from './env.js';
export { CniCode, type CniCodeName, CniError, type CniErrorJson, parseCniErrorJson } from './errors.js';
export { type Attachment, VALID_ATTACHMENTS_KEY, validAttachments } from './gc.js';
export {
  type DelegateOptions,
  delegateIpam,
  delegateSupports,
  type ExecutableFinder,
  findExecutable,
  ipamType,
  type PendingIpam,
  startIpam,
} from './ipam.js';
export type { AttachmentCommand, CniRequest, HandlerCommand } from './request.js';
export {
  type CniDns,
  type CniInterface,
  type CniIpConfig,
  type CniResult,
  type CniRoute,
  cidrFamily,
  emptyResult,
  formatResult,
  parseResult,
  validateResult,
} from './result.js';
export { isOwnNetnsByStat, type PluginHandlers, type PluginIo, runPlugin } from './skel.js';
export {
  type CniCommand,
  type CniVersion,
  commandAllowed,
  compareVersions,
  firstVersionFor,
  isSupportedVersion,
  LATEST_VERSION,
  SUPPORTED_VERSIONS,
  VERSION_WHEN_MISSING,
  versionAtLeast,
} from './versions.js';
