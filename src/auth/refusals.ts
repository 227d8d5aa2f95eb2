// The bodies Placement sends when it refuses a caller. The API layer adds the request id and,
// from microversion 1.23, the error code, as it does for every other error.

/** 403 from a policy check: webob's HTTPForbidden text around oslo's PolicyNotAuthorized message. */
export function policyRefusal(action: string): { status: 403; title: 'Forbidden'; detail: string } {
  return {
    status: 403,
    title: 'Forbidden',
    detail: `Access was denied to this resource.\n\n Policy does not allow ${action} to be performed.  `,
  };
}

/**
 * 401 from the auth middleware, before Placement's error formatter is reached: webob's own
 * JSON body, the same whatever the reason, so a caller learns nothing about which tokens exist.
 */
export const UNAUTHORIZED_BODY = JSON.stringify({
  message:
    'This server could not verify that you are authorized to access the document you requested. Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required.<br /><br />\n\n\n',
  code: '401 Unauthorized',
  title: 'Unauthorized',
});

/** keystonemiddleware's own 401 body (auth_token rejects before Placement's error formatter). */
export const KEYSTONE_UNAUTHORIZED_BODY = JSON.stringify({
  error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' },
});

/** keystonemiddleware's answer when the identity service cannot be reached. */
export const IDENTITY_UNAVAILABLE_BODY = JSON.stringify({
  message: 'The server is currently unavailable. Please try again at a later time.<br /><br />\n\n\n',
  code: '503 Service Unavailable',
  title: 'Service Unavailable',
});

/** keystonemiddleware's WWW-Authenticate on a 401, naming where a token can be had. */
export function wwwAuthenticate(authUri: string | undefined): string {
  return authUri ? `Keystone uri="${authUri}"` : 'Keystone uri="unknown"';
}
