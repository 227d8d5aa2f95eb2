// A request's network configuration, validated, with the plugin's logging set up from it first,
// so that even a configuration error is logged where the user asked; and the CNI_ARGS check.
import { CniCode, CniError, type CniRequest } from '../cni/index.js';
import type { Logger } from '../host/log.js';
import { type ConfigNotes, parseConfig, type SriovConfig } from './config.js';

export function configOf(req: CniRequest, log: Logger): SriovConfig {
  const notes: ConfigNotes = { warnings: [], debug: [] };
  // Logging settings first, so that even a config error is logged where the user asked.
  const level = req.config.logLevel,
    file = req.config.logFile;
  if (typeof level === 'string' && ['panic', 'error', 'warning', 'info', 'debug'].includes(level.toLowerCase())) {
    log.configure(
      level.toLowerCase() as SriovConfig['logLevel'],
      typeof file === 'string' && file.startsWith('/') ? file : undefined,
    );
  }
  const config = parseConfig(req.config, req.args, notes);
  log.configure(config.logLevel, config.logFile);
  for (const w of notes.warnings) log.warning(w);
  for (const d of notes.debug) log.debug(d);
  if (!req.ignoreUnknownArgs) {
    const unknown = [...req.args.keys()].filter((k) => k !== 'MAC');
    if (unknown.length) {
      throw new CniError(
        CniCode.InvalidEnvironment,
        `unknown CNI_ARGS [${unknown.join(', ')}]`,
        'this plugin reads only MAC; runtimes that send more must add IgnoreUnknown=1',
      );
    }
  }
  return config;
}
