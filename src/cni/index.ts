// The CNI protocol layer: versions, environment, results, errors, IPAM delegation and the dispatcher.
// Node built-ins only: this is on the plugin binary's start-up path.
export { CniCode, CniError, parseCniErrorJson, type CniCodeName, type CniErrorJson } from './errors.js';
export {
  SUPPORTED_VERSIONS, LATEST_VERSION, VERSION_WHEN_MISSING, isSupportedVersion, compareVersions, versionAtLeast,
  commandAllowed, firstVersionFor, type CniVersion, type CniCommand,
} from './versions.js';
export { parseEnv, parseCniArgs, checkArgsKnown, validateContainerId, validateIfname, type CniEnv, type Env } from './env.js';
export {
  parseResult, formatResult, validateResult, emptyResult, cidrFamily,
  type CniResult, type CniInterface, type CniIpConfig, type CniRoute, type CniDns,
} from './result.js';
export { delegateIpam, delegateSupports, ipamType, findExecutable, type ExecutableFinder, type DelegateOptions } from './ipam.js';
export type { CniRequest, HandlerCommand, AttachmentCommand } from './request.js';
export { validAttachments, VALID_ATTACHMENTS_KEY, type Attachment } from './gc.js';
export { runPlugin, isOwnNetnsByStat, type PluginHandlers, type PluginIo } from './skel.js';
