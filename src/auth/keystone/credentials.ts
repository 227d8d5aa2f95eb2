// The service credentials vfnet uses to ask Keystone about other people's tokens, as in
// keystonemiddleware's [keystone_authtoken] section, read from a file so that the password is
// never on a command line. File (YAML or JSON), mode 0600 advised:
//   auth_url: http://127.0.0.1:5000/v3
//   username: placement
//   password: ...
//   user_domain_name: Default          # or user_domain_id
//   project_name: service
//   project_domain_name: Default       # or project_domain_id
import { parse } from 'yaml';

export interface ServiceCredentials {
  authUrl: string;
  username: string;
  password: string;
  userDomain: { id: string } | { name: string };
  projectName: string;
  projectDomain: { id: string } | { name: string };
}

export class CredentialsFileError extends Error {
  override name = 'CredentialsFileError';
}

function domain(doc: Record<string, unknown>, prefix: string): { id: string } | { name: string } {
  const id = doc[`${prefix}_domain_id`];
  const name = doc[`${prefix}_domain_name`];
  if (typeof id === 'string' && id) return { id };
  if (typeof name === 'string' && name) return { name };
  return { name: 'Default' };
}

export function parseCredentialsFile(text: string, where: string): ServiceCredentials {
  let doc: Record<string, unknown>;
  try {
    doc = (parse(text) ?? {}) as Record<string, unknown>;
  } catch {
    throw new CredentialsFileError(`${where}: not YAML or JSON`);
  }
  const need = (k: string): string => {
    const v = doc[k];
    if (typeof v !== 'string' || v === '') throw new CredentialsFileError(`${where}: needs "${k}"`);
    return v;
  };
  const authUrl = need('auth_url');
  if (!/^https?:\/\//.test(authUrl)) throw new CredentialsFileError(`${where}: auth_url must be an http(s) URL`);
  return {
    authUrl,
    username: need('username'),
    password: need('password'),
    userDomain: domain(doc, 'user'),
    projectName: need('project_name'),
    projectDomain: domain(doc, 'project'),
  };
}
