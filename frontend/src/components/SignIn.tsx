import { useState, type FormEvent } from "react";
import { looksLikeJwt, normaliseToken } from "../auth";

export interface SignInProps {
  onSubmit: (token: string) => void;
  /** Why the user is here: an expired or rejected token, a failed /me call. */
  message?: string | null;
  busy?: boolean;
}

export function SignIn({ onSubmit, message, busy = false }: SignInProps) {
  const [value, setValue] = useState("");
  const [problem, setProblem] = useState<string | null>(null);

  function submit(event: FormEvent) {
    event.preventDefault();
    const token = normaliseToken(value);
    if (!token) {
      setProblem("Paste a token first.");
      return;
    }
    if (!looksLikeJwt(token)) {
      setProblem("That does not look like a JWT (three dot-separated parts).");
      return;
    }
    setProblem(null);
    onSubmit(token);
  }

  const shown = problem ?? message ?? null;
  return (
    <section className="view view--narrow" aria-labelledby="signin-heading">
      <form className="card signin" onSubmit={submit} noValidate>
        <h2 id="signin-heading">Sign in</h2>
        <p className="muted">
          Paste an API token. For the demo, mint one with{" "}
          <code>.venv/bin/app token --role talent --sub &lt;owner uuid&gt;</code> (roles: talent, company,
          admin); <code>.venv/bin/app seed</code> prints example owner ids.
        </p>
        <label className="field field--block" htmlFor="token-input">
          <span>Token (JWT)</span>
        </label>
        <textarea
          id="token-input"
          rows={5}
          value={value}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={problem ? true : undefined}
          aria-describedby={shown ? "signin-message" : undefined}
          onChange={(e) => setValue(e.target.value)}
        />
        <div role="alert" id="signin-message" className={shown ? "notice notice--error" : undefined}>
          {shown}
        </div>
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </section>
  );
}
