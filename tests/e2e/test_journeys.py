"""The talent, company and admin journeys through the built dashboard in Chromium.

Each journey signs in by pasting a token, acts as a person would (roles, labels and accessible
names, never CSS classes), reloads the page to show that what it did was stored by the server,
and ends with no console error, failed request or CSP violation.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ACTIVE_VERSION, CANDIDATE_VERSION, PageLog, Stack, sign_in, token

pytestmark = [pytest.mark.postgres, pytest.mark.e2e]

Page = Any


def cards(page: Page) -> Any:
    return page.get_by_test_id("match-card")


def card(page: Page, match_id: str) -> Any:
    return page.locator(f'[data-testid="match-card"][data-id="{match_id}"]')


def badge(page: Page, match_id: str) -> Any:
    return card(page, match_id).get_by_test_id("decision-badge")


def button(scope: Any, prefix: str) -> Any:
    """The button whose accessible name starts with `prefix` ("Apply: <job title>")."""
    return scope.get_by_role("button", name=re.compile(f"^{re.escape(prefix)}"))


def pick_job(page: Page, job_id: str) -> None:
    """Choose the company's job and wait until the cards are that job's candidates."""
    # a wrapping <label> names the select "Job <selected title>"
    select = page.get_by_role("combobox", name=re.compile(r"^Job\b"))
    expect(select).to_be_enabled()
    if select.input_value() == job_id:
        return
    with page.expect_response(
        lambda r: r.url.endswith("/match/job-to-talents") and job_id in (r.request.post_data or "")
    ) as answer:
        select.select_option(job_id)
    first = answer.value.json()["matches"][0]["id"]
    expect(cards(page).first).to_have_attribute("data-id", first)


def shown_ids(page: Page) -> list[str]:
    expect(cards(page).first).to_be_visible()
    return [c.get_attribute("data-id") for c in cards(page).all()]


def decisions(stack: Stack, bearer: str, **query: str) -> dict[str, str]:
    """The server's standing decisions, by counterpart id."""
    response = stack.api("GET", "/feedback/decisions", bearer, params=query)
    assert response.status_code == 200, response.text
    key = "job_id" if "talent_id" in query else "talent_id"
    return {d[key]: d["decision"] for d in response.json()["decisions"]}


def test_talent_applies_dismisses_undoes_and_the_decisions_survive_a_reload(
    stack: Stack, page_and_log: tuple[Page, PageLog]
) -> None:
    page, log = page_and_log
    bearer = token(stack.talent_user, "talent")
    sign_in(page, stack, bearer)
    expect(page.get_by_role("heading", name="Your job matches")).to_be_visible()
    ids = shown_ids(page)
    assert len(ids) >= 3, ids
    applied, dismissed = ids[0], ids[1]

    # Apply: the card is marked, and focus moves to its Withdraw button.
    button(card(page, applied), "Apply: ").click()
    expect(badge(page, applied)).to_have_text("Applied")
    expect(button(card(page, applied), "Withdraw: ")).to_be_focused()

    # Not interested: the job leaves the list; Undo (focused) brings it back in place.
    button(card(page, dismissed), "Not interested: ").click()
    expect(card(page, dismissed)).to_have_count(0)
    undo = button(page.get_by_test_id("undo-dismiss"), "Undo dismiss: ")
    expect(undo).to_be_focused()
    undo.click()
    expect(card(page, dismissed)).to_have_count(1)
    expect(badge(page, dismissed)).to_have_count(0)
    assert shown_ids(page)[:2] == [applied, dismissed]

    # Dismiss it for good, then reload: both decisions come back from the server.
    button(card(page, dismissed), "Not interested: ").click()
    expect(card(page, dismissed)).to_have_count(0)
    page.reload()
    expect(badge(page, applied)).to_have_text("Applied")
    expect(card(page, dismissed)).to_have_count(0)
    expect(page.get_by_test_id("undo-dismiss")).to_have_count(0)
    assert decisions(stack, bearer, talent_id=stack.talent_id) == {
        applied: "applied",
        dismissed: "dismissed",
    }

    # After the reload the dismissed job is one checkbox away, marked, with its own Undo.
    page.get_by_role("checkbox", name="Show dismissed jobs").check()
    expect(badge(page, dismissed)).to_have_text("Dismissed")
    button(card(page, dismissed), "Undo: ").click()
    expect(badge(page, dismissed)).to_have_count(0)
    page.reload()
    expect(badge(page, applied)).to_have_text("Applied")
    expect(card(page, dismissed)).to_have_count(1)
    assert decisions(stack, bearer, talent_id=stack.talent_id) == {applied: "applied"}

    # The application is listed with its status; a job's details are one click from its card.
    application = page.get_by_test_id("application").and_(page.locator(f'[data-id="{applied}"]'))
    expect(application).to_contain_text("Submitted")
    button(card(page, applied), "Details: ").click()
    expect(card(page, applied).get_by_test_id("job-detail")).to_contain_text("Company")

    # Phone width: nothing is wider than the screen.
    page.set_viewport_size({"width": 400, "height": 800})
    expect(badge(page, applied)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 400

    # The compact layout: a card is a fraction of its full height, and the choice is kept.
    page.set_viewport_size({"width": 1280, "height": 900})
    full = card(page, dismissed).bounding_box()["height"]
    page.get_by_role("radio", name="Compact").check()
    expect(card(page, dismissed)).to_have_class(re.compile(r"\bmatch--compact\b"))
    compact = card(page, dismissed).bounding_box()["height"]
    assert compact < 130, (full, compact)
    assert compact < full / 2.5, (full, compact)
    page.reload()
    expect(page.get_by_role("radio", name="Compact")).to_be_checked()
    expect(badge(page, applied)).to_have_text("Applied")
    log.assert_clean()


def test_talent_filters_by_remote_policy_and_loads_the_next_page(
    stack: Stack, page_and_log: tuple[Page, PageLog]
) -> None:
    page, log = page_and_log
    sign_in(page, stack, token(stack.other_talent_user, "talent"))
    first_page = shown_ids(page)
    assert len(first_page) == 10, first_page

    # "Load more" asks for the page after the shown one with the cursor: ten more, no repeats.
    page.get_by_role("button", name="Load more jobs").click()
    expect(cards(page)).to_have_count(20)
    assert len(set(shown_ids(page))) == 20

    page.get_by_text("Filters", exact=True).click()
    page.get_by_role("checkbox", name="onsite").check()
    with page.expect_response(lambda r: r.url.endswith("/match/talent-to-jobs")) as answer:
        page.get_by_role("button", name="Refresh").click()
    assert answer.value.status == 200
    expected = [m["id"] for m in answer.value.json()["matches"]]
    assert expected, "no onsite job in the seeded world"
    expect(cards(page)).to_have_count(len(expected))
    for subtitle in page.locator('[data-testid="match-card"] .match__subtitle').all_inner_texts():
        assert subtitle.endswith("onsite"), subtitle
    log.assert_clean()


def test_company_contacts_a_candidate_and_moves_the_applicant_through_the_inbox(
    stack: Stack, page_and_log: tuple[Page, PageLog], new_page: Any
) -> None:
    page, log = page_and_log
    talent_bearer = token(stack.talent_user, "talent")
    standing = decisions(stack, talent_bearer, talent_id=stack.talent_id)
    applied = [job for job, decision in standing.items() if decision == "applied"]
    if not applied:  # this test alone: the talent applies through the API
        body = {"talent_id": stack.talent_id, "limit": 1}
        job = stack.api("POST", "/match/talent-to-jobs", talent_bearer, json=body).json()
        applied = [job["matches"][0]["id"]]
        feedback = {"talent_id": stack.talent_id, "job_id": applied[0], "type": "apply"}
        assert stack.api("POST", "/feedback", talent_bearer, json=feedback).status_code == 200
    job_id = applied[0]
    bearer = token(stack.company_of_job(job_id), "company")

    sign_in(page, stack, bearer)
    expect(page.get_by_role("heading", name="Talent for your jobs")).to_be_visible()
    pick_job(page, job_id)
    candidate = next(c for c in shown_ids(page) if c != stack.talent_id)

    button(card(page, candidate), "Contact: ").click()
    expect(badge(page, candidate)).to_have_text("Contacted")
    expect(button(card(page, candidate), "Undo: ")).to_be_focused()

    page.reload()  # the picked job is in the address: the reload opens it, not the first job
    expect(page.get_by_role("combobox", name=re.compile(r"^Job\b"))).to_have_value(job_id)
    expect(badge(page, candidate)).to_have_text("Contacted")
    assert decisions(stack, bearer, job_id=job_id)[candidate] == "contacted"

    # The inbox: the talent who applied, with a score, moved new -> contacted -> interviewing.
    inbox = page.get_by_role("list", name="Applicants")
    applicant = inbox.locator(f'[data-id="{stack.talent_id}"]')
    expect(applicant.get_by_test_id("stage")).to_have_text("New")
    expect(applicant.get_by_label(re.compile(r"^Match score \d+ out of 100$"))).to_be_visible()
    button(applicant, "Contact: ").click()
    expect(applicant.get_by_test_id("stage")).to_have_text("Contacted")
    button(applicant, "Interview: ").click()
    expect(applicant.get_by_test_id("stage")).to_have_text("Interviewing")
    button(applicant, "Details: ").click()
    expect(applicant.get_by_test_id("candidate-detail")).to_contain_text("Experience")
    page.reload()
    pick_job(page, job_id)
    expect(applicant.get_by_test_id("stage")).to_have_text("Interviewing")

    # Phone width, filters open: nothing is wider than the screen.
    page.set_viewport_size({"width": 400, "height": 800})
    page.get_by_text("Filters", exact=True).click()
    expect(page.get_by_label("Years at least")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    log.assert_clean()

    # The talent sees where the application stands.
    talent_page, talent_log = new_page()
    sign_in(talent_page, stack, talent_bearer)
    mine = talent_page.get_by_test_id("application").and_(
        talent_page.locator(f'[data-id="{job_id}"]')
    )
    expect(mine).to_contain_text("Interviewing")
    talent_log.assert_clean()

    # The candidate the company contacted from its match list learns of it, applied or not.
    contacted_page, contacted_log = new_page()
    sign_in(contacted_page, stack, token(stack.owner_of_talent(candidate), "talent"))
    contacts = contacted_page.get_by_role("list", name="Companies that contacted you")
    contact = contacts.locator(f'[data-id="{job_id}"]')
    contacted_page.reload()
    expect(contact).to_be_visible()
    expect(
        contacted_page.get_by_role("heading", name=re.compile(r"^Companies that contacted you"))
    ).to_have_text(re.compile(r"\(\d+\)$"))
    expect(button(contact, "Details: ")).to_be_visible()
    contacted_log.assert_clean()


def test_admin_sees_health_and_model_versions_with_metrics(
    stack: Stack, page_and_log: tuple[Page, PageLog]
) -> None:
    page, log = page_and_log
    sign_in(page, stack, token(stack.admin_user, "admin"))
    expect(page.get_by_role("heading", name="Administration")).to_be_visible()

    health = page.get_by_role("region", name="Service health")
    expect(health).to_contain_text("ok")
    expect(health).to_contain_text(ACTIVE_VERSION)

    active = page.get_by_role("row", name=re.compile(re.escape(ACTIVE_VERSION)))
    expect(active).to_contain_text("active")
    expect(active).to_contain_text("0.500")  # NDCG@10 from the version's metrics
    candidate = page.get_by_role("row", name=re.compile(re.escape(CANDIDATE_VERSION)))
    expect(candidate).to_contain_text("candidate")
    activate = candidate.get_by_role("button", name=f"Activate model {CANDIDATE_VERSION}")
    expect(activate).to_be_enabled()

    # The admin looks a talent up and sees the same cards, with the talent's decisions.
    page.get_by_label("Talent id").fill(stack.talent_id)
    page.get_by_role("button", name="Show matches").click()
    lookup = page.get_by_role("list", name="Lookup results")
    expect(lookup.get_by_test_id("match-card").first).to_be_visible()
    log.assert_clean()


def test_a_blocked_script_would_be_caught(stack: Stack, page_and_log: tuple[Page, PageLog]) -> None:
    """The journeys' 'no CSP violation' is worth something: an inline script, which the
    dashboard's CSP forbids, is blocked and reported."""
    page, log = page_and_log
    page.goto(stack.dashboard)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.inlineRan = true";
          document.body.append(script);
        }"""
    )
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.evaluate("window.inlineRan === undefined")
    for _ in range(50):  # the violation event is dispatched after the insertion
        if any("Content Security Policy" in e for e in log.errors):
            break
        page.wait_for_timeout(100)
    assert any("Content Security Policy" in e for e in log.errors), log.errors
