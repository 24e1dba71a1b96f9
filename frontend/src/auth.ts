/** The signed-in token lives in sessionStorage: it is gone when the tab closes. */
export const TOKEN_STORAGE_KEY = "talent-match.token";

export function loadToken(): string | null {
  try {
    return window.sessionStorage.getItem(TOKEN_STORAGE_KEY);
  } catch {
    return null;
  }
}

export function saveToken(token: string): void {
  try {
    window.sessionStorage.setItem(TOKEN_STORAGE_KEY, token);
  } catch {
    // storage disabled: the token lives for this page only
  }
}

export function clearToken(): void {
  try {
    window.sessionStorage.removeItem(TOKEN_STORAGE_KEY);
  } catch {
    // nothing stored
  }
}

/** Accepts a raw JWT or a pasted "Bearer <jwt>" header value. */
export function normaliseToken(input: string): string {
  return input.trim().replace(/^bearer\s+/i, "").trim();
}

/** A JWT has three base64url parts separated by dots. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}
