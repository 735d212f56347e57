/**
 * A WebSocket authenticated by a scoped access token lives no longer than the token:
 * it is closed (4401) when the token expires, and every `recheckMs` the token is checked
 * again, so revoking the minting key closes it on every API process too.
 */
import type { TokenAccess } from '../auth/access-scope.js';
import type { AccessTokens } from '../auth/access-tokens.js';

/** graphql-ws closes a socket with 4401 Unauthorized itself; the client sees it as final. */
export const TOKEN_ENDED_CLOSE = 4401;

export interface ClosableSocket {
  close(code: number, reason: string): void;
  once(event: 'close', listener: () => void): unknown;
}

export function guardTokenSocket(socket: ClosableSocket, access: TokenAccess, tokens: AccessTokens, recheckMs: number): void {
  let timer: NodeJS.Timeout | undefined;
  let expiresAt = access.expiresAt.getTime();
  const end = (reason: string) => socket.close(TOKEN_ENDED_CLOSE, reason);
  const schedule = () => {
    timer = setTimeout(check, Math.max(0, Math.min(recheckMs, expiresAt - Date.now())));
    timer.unref();
  };
  const check = async () => {
    if (Date.now() >= expiresAt) return end('the access token has expired');
    try {
      expiresAt = (await tokens.authenticateToken(access.tokenHash)).access.expiresAt.getTime();
    } catch (err) {
      return end(err instanceof Error ? err.message : 'the access token is no longer valid');
    }
    schedule();
  };
  schedule();
  socket.once('close', () => clearTimeout(timer));
}
