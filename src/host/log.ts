// The plugin's logger: one line per event, to logFile or stderr, never stdout (stdout carries
// only the result). Deliberately tiny: it is on the plugin's start-up path.
import { closeSync, constants, openSync, writeSync } from '../os/fs.js';

/** sriov-cni's log levels (its `logLevel` key), most severe first. */
export type LogLevel = 'panic' | 'error' | 'warning' | 'info' | 'debug';
export const LOG_LEVELS: readonly LogLevel[] = ['panic', 'error', 'warning', 'info', 'debug'];

const RANK: Record<LogLevel, number> = { panic: 0, error: 1, warning: 2, info: 3, debug: 4 };

export interface LogContext {
  containerID?: string;
  netns?: string;
  ifname?: string;
}

export interface Logger {
  error(msg: string): void;
  warning(msg: string): void;
  info(msg: string): void;
  debug(msg: string): void;
  /** Re-targets the logger once the configuration (logLevel, logFile) is known. */
  configure(level: LogLevel, file?: string): void;
}

/**
 * Appends without following a symlink at the log's path (O_NOFOLLOW): the plugin runs as root,
 * and a link planted there would make it append to any file. Created 0600.
 */
function appendLine(path: string, line: string): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, line);
  } finally {
    closeSync(fd);
  }
}

export function createLogger(context: LogContext, writeStderr: (line: string) => void): Logger {
  let level: LogLevel = 'info';
  let file: string | undefined;
  const prefix = `containerID=${context.containerID ?? ''} netns=${context.netns ?? ''} ifname=${context.ifname ?? ''}`;
  const write = (l: LogLevel, msg: string): void => {
    if (RANK[l] > RANK[level]) return;
    const line = `${new Date().toISOString()} [${l}] sriov ${prefix}: ${msg}\n`;
    if (file) {
      try {
        appendLine(file, line);
        return;
      } catch {
        // An unwritable log file must not fail the attachment; fall back to stderr.
      }
    }
    writeStderr(line);
  };
  return {
    error: (m) => write('error', m),
    warning: (m) => write('warning', m),
    info: (m) => write('info', m),
    debug: (m) => write('debug', m),
    configure(l, f) {
      level = l;
      file = f;
    },
  };
}
