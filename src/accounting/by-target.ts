// Which VfAccounting answers for a model target: the node's embedded store for its `file:` URL,
// a Placement-compatible service for any other URL.
import { nodeDbFromTarget } from '../store/node-paths.js';
import { HttpVfAccounting } from './http-accounting.js';
import type { VfAccounting } from './port.js';

/**
 * One VfAccounting per target, made on first use; `rootProvider` is this host's root provider,
 * whose tree candidates are looked for in. The store's modules load when this is called, not
 * when its importer does: the plugin calls it only for commands that may need the model, and
 * VERSION (podman asks before every ADD and DEL) then loads nothing of the store. `token` is the
 * x-auth-token for services (placementToken() in token.ts).
 */
export async function accountingByTarget(
  rootProvider: string,
  token: string | null,
): Promise<(target: string) => VfAccounting> {
  const [{ openNodeModel }, { StoreVfAccounting }] = await Promise.all([
    import('../store/node-store.js'),
    import('./store-accounting.js'),
  ]);
  const models = new Map<string, VfAccounting>();
  return (target) => {
    let model = models.get(target);
    if (!model) {
      const file = nodeDbFromTarget(target);
      model = file
        ? new StoreVfAccounting(() => openNodeModel(file), rootProvider, target)
        : new HttpVfAccounting(target, rootProvider, token);
      models.set(target, model);
    }
    return model;
  };
}
