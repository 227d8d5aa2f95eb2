// GET /: the version document. It needs no token and no policy (see app.ts).
import type { Reply } from '../context.js';
import { MAX_VERSION, MIN_VERSION, versionString } from '../microversion.js';

export async function home(): Promise<Reply> {
  return {
    status: 200,
    body: {
      versions: [{
        id: 'v1.0', max_version: versionString(MAX_VERSION), min_version: versionString(MIN_VERSION),
        status: 'CURRENT', links: [{ rel: 'self', href: '' }],
      }],
    },
    lastModified: 'now',
  };
}
