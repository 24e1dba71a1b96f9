import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { TOKEN_STORAGE_KEY } from "./auth";
import type { MeResponse } from "./services/types";
import { adminMe, companyMe, match, talentMe } from "./test/fixtures";

const TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

function unauthorized(message: string) {
  return json(401, { error: { code: "unauthorized", message, field: null, request_id: "r" } });
}

/** A fake API: answers by path; records every request. */
function fakeApi(me: MeResponse | Response, routes: Record<string, () => Response> = {}) {
  const fetchMock = vi.fn<typeof fetch>(async (input) => {
    const path = String(input).replace(/^\/api\/v1/, "");
    if (path === "/me") return me instanceof Response ? me : json(200, me);
    const route = routes[path];
    if (route) return route();
    return json(404, { error: { code: "not_found", message: `no route ${path}`, request_id: "r" } });
  });
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

function authHeaders(fetchMock: ReturnType<typeof fakeApi>) {
  return fetchMock.mock.calls.map(([, init]) => (init?.headers as Record<string, string>).Authorization);
}

async function signIn(token = TOKEN) {
  const user = userEvent.setup();
  await user.type(screen.getByLabelText("Token (JWT)"), token);
  await user.click(screen.getByRole("button", { name: "Sign in" }));
  return user;
}

const emptyMatches = () => json(200, { matches: [], processing_time_ms: 1, model_version: "v1" });

describe("App", () => {
  it("starts at sign-in when there is no token", () => {
    fakeApi(talentMe);
    render(<App />);
    expect(screen.getByRole("heading", { name: "Sign in" })).toBeInTheDocument();
  });

  it("rejects something that is not a JWT without calling the API", async () => {
    const fetchMock = fakeApi(talentMe);
    render(<App />);
    await signIn("not a token");
    expect(screen.getByRole("alert")).toHaveTextContent(/does not look like a JWT/);
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("signs a talent in, keeps the token in sessionStorage and shows the talent view", async () => {
    const fetchMock = fakeApi(talentMe, {
      "/match/talent-to-jobs": () =>
        json(200, { matches: [match({ id: "j1", score: 90, title: "Data Engineer" })], processing_time_ms: 1, model_version: "v1" }),
    });
    render(<App />);

    await signIn(`Bearer ${TOKEN}`);

    expect(await screen.findByRole("heading", { name: "Your job matches" })).toBeInTheDocument();
    expect(await screen.findByRole("heading", { name: "1. Data Engineer" })).toBeInTheDocument();
    expect(window.sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBe(TOKEN);
    expect(authHeaders(fetchMock).every((h) => h === `Bearer ${TOKEN}`)).toBe(true);
    expect(screen.getByText("Ada Lovelace", { selector: ".app-user__name" })).toBeInTheDocument();
  });

  it("tells a signed-in caller whose token carries no role what to do", async () => {
    fakeApi({ ...talentMe, role: null, talent: null });
    render(<App />);
    await signIn();
    expect(await screen.findByRole("alert")).toHaveTextContent(/carries no role/);
    expect(screen.getByText("No role")).toBeInTheDocument();
  });

  it("shows the company view for a company", async () => {
    fakeApi(companyMe, { "/match/job-to-talents": emptyMatches });
    render(<App />);
    await signIn();
    expect(await screen.findByRole("heading", { name: "Talent for your jobs" })).toBeInTheDocument();
  });

  it("shows the admin view for an admin", async () => {
    fakeApi(adminMe, {
      "/health": () =>
        json(200, {
          status: "ok",
          model_version: "v1",
          last_trained: null,
          uptime_seconds: 5,
          database_reachable: true,
          fallback_active: false,
        }),
      "/models": () => json(200, { versions: [] }),
      "/evaluation/results": () => json(200, { results: [] }),
    });
    render(<App />);
    await signIn();
    expect(await screen.findByRole("heading", { name: "Administration" })).toBeInTheDocument();
    expect(await screen.findByText("No trained models yet.")).toBeInTheDocument();
  });

  it("resumes a session from sessionStorage", async () => {
    window.sessionStorage.setItem(TOKEN_STORAGE_KEY, TOKEN);
    const fetchMock = fakeApi(companyMe, { "/match/job-to-talents": emptyMatches });
    render(<App />);
    expect(await screen.findByRole("heading", { name: "Talent for your jobs" })).toBeInTheDocument();
    expect(authHeaders(fetchMock)[0]).toBe(`Bearer ${TOKEN}`);
  });

  it("sends the user back to sign-in with the server's message on a 401", async () => {
    fakeApi(unauthorized("Signature has expired"));
    render(<App />);
    await signIn();

    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeInTheDocument();
    expect(screen.getByRole("alert")).toHaveTextContent("Please sign in again: Signature has expired");
    expect(window.sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBeNull();
  });

  it("signs out when a later call gets a 401", async () => {
    fakeApi(talentMe, { "/match/talent-to-jobs": () => unauthorized("Token revoked") });
    render(<App />);
    await signIn();

    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("Please sign in again: Token revoked"));
    expect(screen.getByRole("heading", { name: "Sign in" })).toBeInTheDocument();
    expect(screen.queryByRole("heading", { name: "Your job matches" })).toBeNull();
  });

  it("explains a network failure and retries", async () => {
    let down = true;
    const fetchMock = vi.fn<typeof fetch>(async (input) => {
      if (down) throw new TypeError("Failed to fetch");
      return String(input).endsWith("/me") ? json(200, companyMe) : emptyMatches();
    });
    vi.stubGlobal("fetch", fetchMock);
    render(<App />);
    const user = await signIn();

    expect(await screen.findByRole("alert")).toHaveTextContent(/Cannot reach the talent-match API/);
    down = false;
    await user.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("heading", { name: "Talent for your jobs" })).toBeInTheDocument();
  });

  it("signs out on request", async () => {
    fakeApi(companyMe, { "/match/job-to-talents": emptyMatches });
    render(<App />);
    const user = await signIn();
    await screen.findByRole("heading", { name: "Talent for your jobs" });

    await user.click(screen.getByRole("button", { name: "Sign out" }));

    expect(screen.getByRole("heading", { name: "Sign in" })).toBeInTheDocument();
    expect(window.sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBeNull();
  });
});
