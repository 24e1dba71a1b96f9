import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { clearToken, loadToken, saveToken } from "./auth";
import { AdminDashboard } from "./components/AdminDashboard";
import { CompanyDashboard } from "./components/CompanyDashboard";
import { ErrorNotice } from "./components/Notice";
import { SignIn } from "./components/SignIn";
import { TalentDashboard } from "./components/TalentDashboard";
import {
  ApiError,
  createMlMatchingService,
  type MlMatchingService,
  type ServiceOptions,
} from "./services/mlMatchingService";
import type { MeResponse, Role } from "./services/types";

type Phase =
  | { kind: "signed-out"; message: string | null }
  | { kind: "loading" }
  | { kind: "ready"; me: MeResponse }
  | { kind: "error"; error: unknown };

export interface AppProps {
  /** Passed to the API client (base URL, fetch, timeout); the token is managed here. */
  serviceOptions?: Omit<ServiceOptions, "getToken" | "onUnauthorized">;
}

const ROLE_LABELS: Record<Role, string> = {
  talent: "Talent",
  company: "Company",
  admin: "Admin",
};

export function App({ serviceOptions }: AppProps) {
  const tokenRef = useRef<string | null>(loadToken());
  const [phase, setPhase] = useState<Phase>(
    tokenRef.current ? { kind: "loading" } : { kind: "signed-out", message: null },
  );

  const signOut = useCallback((message: string | null) => {
    tokenRef.current = null;
    clearToken();
    setPhase({ kind: "signed-out", message });
  }, []);

  const service = useMemo(
    () =>
      createMlMatchingService({
        ...serviceOptions,
        getToken: () => tokenRef.current,
        onUnauthorized: (error) => signOut(`Please sign in again: ${error.message}`),
      }),
    // the options are read once, when the app starts
    [signOut],
  );

  const loadMe = useCallback(async () => {
    setPhase({ kind: "loading" });
    try {
      const me = await service.getMe();
      if (tokenRef.current) setPhase({ kind: "ready", me });
    } catch (error) {
      // a 401 has already sent the user back to sign-in, with the server's message
      if (error instanceof ApiError && error.status === 401) return;
      setPhase({ kind: "error", error });
    }
  }, [service]);

  useEffect(() => {
    if (tokenRef.current) void loadMe();
  }, [loadMe]);

  function signIn(token: string) {
    tokenRef.current = token;
    saveToken(token);
    void loadMe();
  }

  const me = phase.kind === "ready" ? phase.me : null;

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <h1 className="app-title">
          talent-match <span className="app-title__sub">dashboard</span>
        </h1>
        {me ? (
          <div className="app-user">
            <span className={`pill pill--role-${me.role ?? "none"}`}>
              {me.role ? ROLE_LABELS[me.role] : "No role"}
            </span>
            <span className="app-user__name">{me.talent?.full_name ?? me.jobs[0]?.company_name ?? me.sub}</span>
            <button type="button" className="button button--small" onClick={() => signOut("You signed out.")}>
              Sign out
            </button>
          </div>
        ) : null}
      </header>
      <main id="main" className="app-main">
        {phase.kind === "signed-out" ? <SignIn onSubmit={signIn} message={phase.message} /> : null}
        {phase.kind === "loading" ? (
          <p className="live-status" role="status" aria-live="polite">
            Loading your account…
          </p>
        ) : null}
        {phase.kind === "error" ? (
          <section className="view view--narrow" aria-labelledby="load-error-heading">
            <h2 id="load-error-heading">Could not load your account</h2>
            <ErrorNotice error={phase.error} onRetry={() => void loadMe()} />
            <button type="button" className="button button--secondary" onClick={() => signOut(null)}>
              Use another token
            </button>
          </section>
        ) : null}
        {me ? <Dashboard key={me.sub} me={me} service={service} /> : null}
      </main>
    </div>
  );
}

function Dashboard({ me, service }: { me: MeResponse; service: MlMatchingService }) {
  switch (me.role) {
    case "talent":
      return <TalentDashboard me={me} service={service} />;
    case "company":
      return <CompanyDashboard me={me} service={service} />;
    case "admin":
      return <AdminDashboard service={service} />;
    default:
      return (
        <div className="notice notice--error" role="alert">
          {me.role === null
            ? "Your token carries no role: ask an admin to give your account one."
            : `Unknown role “${String(me.role)}”: this dashboard has no view for it.`}
        </div>
      );
  }
}
