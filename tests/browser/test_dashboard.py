"""The dashboard in a real browser: Debian's headless Chromium driven by Playwright.

The page is served by a real `insights serve` process; campaigns and events go in
through the API, and the test watches the numbers change on the page.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Browser, Page, Route, async_playwright, expect

from tests.keys import TEST_KEY, auth
from tests.servers import ApiServer
from tests.services import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO_ROOT / "test-artifacts"
INTERVAL = 1.0  # INSIGHTS_LIVE_INTERVAL
MARGIN = 3.0  # seconds allowed on top of one interval for the page to show new numbers

CREATE = """
mutation Create($input: CreateCampaignInput!) {
  createCampaign(input: $input) { campaign { id } errors { message } }
}"""
STATUS = """
mutation Status($id: ID!, $status: CampaignStatus!) {
  changeCampaignStatus(id: $id, status: $status) { errors { message } }
}"""
RECORD = """
mutation Record($events: [CampaignEventInput!]!) {
  recordEvents(events: $events) { accepted rejected { index message } }
}"""


@pytest.fixture
def chromium() -> Path:
    if CHROMIUM.is_file():
        return CHROMIUM
    message = (
        f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium); "
        "this test never downloads a browser"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the browser test: {message}")
    pytest.skip(message)


@pytest.fixture
def server(chromium: Path) -> Iterator[ApiServer]:
    """One API process on the embedded default (memory store), live updates every second."""
    with ApiServer({"INSIGHTS_LIVE_INTERVAL": str(INTERVAL)}) as api:
        yield api


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()


class Api:
    """The test's own client of the API: creates campaigns and sends events."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.now = datetime.now(UTC).replace(microsecond=0)

    async def call(self, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.http.post("/graphql", json={"query": query, "variables": variables})
        body = response.json()
        assert response.status_code == 200 and not body.get("errors"), body
        return body["data"]  # type: ignore[no-any-return]

    async def campaign(self, name: str, buttons: list[str], status: str | None = None) -> str:
        button_inputs = [{"id": f"b{i}", "text": text} for i, text in enumerate(buttons)]
        data = await self.call(CREATE, input={"name": name, "buttons": button_inputs})
        assert not data["createCampaign"]["errors"], data
        campaign_id: str = data["createCampaign"]["campaign"]["id"]
        if status is not None:
            changed = await self.call(STATUS, id=campaign_id, status=status)
            assert not changed["changeCampaignStatus"]["errors"], changed
        return campaign_id

    def event(
        self, campaign_id: str, kind: str, recipient: str, hours_ago: float, **extra: str
    ) -> dict[str, Any]:
        at = self.now - timedelta(hours=hours_ago)
        return {
            "eventId": secrets.token_hex(8),
            "campaignId": campaign_id,
            "type": kind,
            "recipientId": recipient,
            "occurredAt": at.isoformat().replace("+00:00", "Z"),
            **extra,
        }

    async def record(self, events: list[dict[str, Any]]) -> None:
        result = (await self.call(RECORD, events=events))["recordEvents"]
        assert result["accepted"] == len(events), result


async def _spring_sale(api: Api) -> str:
    """ACTIVE, three buttons: 6 recipients (one failed), 3 clicks, 2 replies, labels, sentiment."""
    spring = await api.campaign("Spring Sale", ["Shop now", "Learn more", "Stop"], "ACTIVE")
    e = api.event
    events = [e(spring, "SENT", f"r{i}", 5) for i in range(1, 7)]
    events += [e(spring, "DELIVERED", f"r{i}", 4.9) for i in range(1, 6)]
    events += [e(spring, "FAILED", "r6", 4.9)]
    events += [e(spring, "READ", f"r{i}", 4) for i in range(1, 5)]
    events += [
        e(spring, "BUTTON_CLICKED", "r1", 3, buttonId="b0"),
        e(spring, "BUTTON_CLICKED", "r2", 3, buttonId="b0"),
        e(spring, "BUTTON_CLICKED", "r3", 2, buttonId="b1"),
        e(spring, "REPLIED", "r1", 2),
        e(spring, "REPLIED", "r4", 1),
        e(spring, "LABEL_ADDED", "r1", 1, label="interested"),
        e(spring, "LABEL_ADDED", "r4", 1, label="interested"),
        e(spring, "LABEL_ADDED", "r2", 1, label="price question"),
        e(spring, "SENTIMENT_SET", "r1", 1, sentiment="POSITIVE"),
        e(spring, "SENTIMENT_SET", "r4", 1, sentiment="NEUTRAL"),
        e(spring, "SENTIMENT_SET", "r2", 1, sentiment="NEGATIVE"),
    ]
    await api.record(events)
    return spring


async def _autumn_launch(api: Api) -> str:
    """ACTIVE: 4 recipients, 2 delivered, 1 click."""
    autumn = await api.campaign("Autumn Launch", ["Book a demo"], "ACTIVE")
    e = api.event
    events = [e(autumn, "SENT", f"a{i}", 3) for i in range(1, 5)]
    events += [e(autumn, "DELIVERED", f"a{i}", 2.5) for i in range(1, 3)]
    events += [e(autumn, "BUTTON_CLICKED", "a1", 2, buttonId="b0")]
    await api.record(events)
    return autumn


async def _pick(page: Page, term: str, name: str) -> None:
    """Search for `term` and tick the campaign called `name`."""
    await page.get_by_test_id("search").fill(term)
    option = page.get_by_test_id("campaign-option").filter(has_text=name)
    await expect(option).to_have_count(1)
    await option.get_by_role("checkbox").check()


async def test_the_dashboard_shows_live_numbers_and_compares_campaigns(
    server: ApiServer, browser: Browser
) -> None:
    # given three campaigns: two ACTIVE with events, one DRAFT without any
    async with httpx.AsyncClient(base_url=server.url, headers=auth(), timeout=30) as http:
        api = Api(http)
        spring = await _spring_sale(api)
        await _autumn_launch(api)
        await api.campaign("Winter Teaser", ["Notify me"])

        ARTIFACTS.mkdir(exist_ok=True)
        context = await browser.new_context(viewport={"width": 1360, "height": 900})
        outside: list[str] = []

        async def local_only(route: Route) -> None:
            if urlsplit(route.request.url).hostname == "127.0.0.1":
                await route.continue_()
            else:
                outside.append(route.request.url)
                await route.abort()

        await context.route("**/*", local_only)
        page = await context.new_page()
        page_errors: list[str] = []
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        await page.goto(f"{server.url}/dashboard/")

        # when a wrong key is entered, the page says so and asks again
        await page.get_by_test_id("api-key").fill("ik_wrong_" + "x" * 40)
        await page.get_by_test_id("key-submit").click()
        await expect(page.get_by_test_id("key-error")).to_contain_text("401")
        await expect(page.get_by_test_id("api-key")).to_be_visible()

        # and the right one opens the dashboard with every campaign listed, newest first
        await page.get_by_test_id("api-key").fill(TEST_KEY)
        await page.get_by_test_id("key-submit").click()
        options = page.get_by_test_id("campaign-option")
        await expect(options).to_have_count(3)
        await expect(page.get_by_test_id("empty-selection")).to_be_visible()

        # searching by status finds the draft, with its badge
        await page.get_by_test_id("search").fill("draft")
        await expect(options).to_have_count(1)
        await expect(options.first).to_contain_text("Winter Teaser")
        await expect(options.first.get_by_test_id("campaign-status")).to_have_text("Draft")

        # then one selected campaign shows its numbers and its buttons
        await _pick(page, "spring", "Spring Sale")
        await expect(options.first.get_by_test_id("campaign-status")).to_have_text("Active")
        await expect(page.get_by_test_id("total-clicks")).to_have_text("3")
        await expect(page.get_by_test_id("sent")).to_have_text("6")
        await expect(page.get_by_test_id("failed")).to_have_text("1")
        await expect(page.get_by_test_id("ctr")).to_have_text("50.0%")  # 3 clicks / 6 recipients
        await expect(page.get_by_test_id("open-rate")).to_have_text("80.0%")  # 4 read / 5 delivered
        rows = page.get_by_test_id("button-row")
        await expect(rows).to_have_count(3)
        await expect(rows.first.get_by_test_id("button-text")).to_have_text("Shop now")
        await expect(rows.first.get_by_test_id("button-share")).to_have_text("66.7%")
        await expect(rows.last.get_by_test_id("button-share")).to_have_text("0.0%")
        await expect(page.get_by_test_id("comparison-section")).to_be_hidden()
        await expect(page.get_by_test_id("labels-chart").get_by_test_id("bar")).to_have_count(2)
        await expect(page.get_by_test_id("trend-chart").locator("polyline")).to_have_count(4)
        await expect(page.get_by_test_id("last-updated")).not_to_have_text("—")
        await expect(page.get_by_test_id("connection")).to_have_text("Live")
        await page.screenshot(path=ARTIFACTS / "dashboard-single.png", full_page=True)

        # when more clicks and sends come in through the API
        first_update = await page.get_by_test_id("last-updated").get_attribute("datetime")
        e = api.event
        await api.record(
            [
                e(spring, "BUTTON_CLICKED", "r4", 0.5, buttonId="b0"),
                e(spring, "BUTTON_CLICKED", "r5", 0.5, buttonId="b2"),
                e(spring, "SENT", "r7", 0.2),
                e(spring, "SENT", "r8", 0.2),
            ]
        )
        sent_at = time.monotonic()

        # then the page shows them within one interval (plus a margin), without a reload
        await expect(page.get_by_test_id("total-clicks")).to_have_text(
            "5", timeout=(INTERVAL + MARGIN) * 1000
        )
        print(f"\nthe page showed the new clicks {time.monotonic() - sent_at:.2f}s after ingestion")
        await expect(page.get_by_test_id("sent")).to_have_text("8")
        await expect(rows.last.get_by_test_id("button-share")).to_have_text("20.0%")
        await expect(page.get_by_test_id("last-updated")).not_to_have_attribute(
            "datetime", first_update or ""
        )

        # when a second campaign is selected
        await _pick(page, "autumn", "Autumn Launch")

        # then the numbers are summed, each campaign gets a comparison row, and no button table
        await expect(page.get_by_test_id("comparison-row")).to_have_count(2)
        await expect(page.get_by_test_id("comparison-row").first).to_contain_text("Spring Sale")
        await expect(page.get_by_test_id("comparison-row").last).to_contain_text("Autumn Launch")
        await expect(page.get_by_test_id("buttons-section")).to_be_hidden()
        await expect(page.get_by_test_id("total-clicks")).to_have_text("6")
        await expect(page.get_by_test_id("sent")).to_have_text("12")
        await expect(page.get_by_test_id("selected-campaign")).to_have_count(2)

        await page.screenshot(path=ARTIFACTS / "dashboard.png", full_page=True)
        await context.close()

    assert not page_errors, page_errors
    assert not outside, f"the page tried to load from outside the server: {outside}"
