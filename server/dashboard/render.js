// Puts one Insights payload on the page, updating what is already there in place.

import { barChart, lineChart } from "./charts.js";
import { badge, count, rate, time } from "./format.js";

const TREND_SERIES = [
  { key: "sent", label: "Sent", color: "#4f46e5" },
  { key: "read", label: "Read", color: "#0891b2" },
  { key: "clicks", label: "Clicks", color: "#16a34a" },
  { key: "replies", label: "Replies", color: "#d97706" },
];
const SENTIMENT_COLORS = { POSITIVE: "#16a34a", NEUTRAL: "#94a3b8", NEGATIVE: "#dc2626" };
const LABEL_COLOR = "#7c3aed";

const byId = (id) => document.getElementById(id);
const byTestId = (root, testId) => root.querySelector(`[data-testid="${testId}"]`);

/** Set a value; when it changed (not on first fill) it flashes briefly. */
function setText(element, value) {
  if (element.textContent === value) return;
  const changed = element.dataset.filled === "true";
  element.textContent = value;
  element.dataset.filled = "true";
  if (changed) {
    element.classList.remove("flash");
    void element.offsetWidth; // restart the animation
    element.classList.add("flash");
  }
}

function cell(testId, className = "") {
  const td = document.createElement("td");
  if (testId) td.dataset.testid = testId;
  if (className) td.className = className;
  return td;
}

/** Keep one <tr> per key: reuse rows that exist (so values update in place), drop the rest. */
function syncRows(tbody, items, keyOf, create, update) {
  const existing = new Map([...tbody.rows].map((row) => [row.dataset.key, row]));
  items.forEach((item, index) => {
    const key = keyOf(item);
    let row = existing.get(key);
    if (row) existing.delete(key);
    else {
      row = create(item);
      row.dataset.key = key;
    }
    update(row, item);
    if (tbody.rows[index] !== row) tbody.insertBefore(row, tbody.rows[index] || null);
  });
  for (const row of existing.values()) row.remove();
}

function renderStats(stats) {
  const root = byId("insights");
  const { delivery, engagement } = stats;
  setText(byTestId(root, "total-clicks"), count(engagement.totalClicks));
  setText(byTestId(root, "ctr"), rate(engagement.clickThroughRate));
  setText(byTestId(root, "delivery-rate"), rate(engagement.deliveryRate));
  setText(byTestId(root, "open-rate"), rate(engagement.openRate));
  setText(byTestId(root, "click-rate"), rate(engagement.clickRate));
  setText(byTestId(root, "response-rate"), rate(engagement.responseRate));
  for (const name of ["recipients", "sent", "delivered", "read", "failed"]) {
    setText(byTestId(root, name), count(delivery[name]));
  }
  byId("failed-metric").classList.toggle("alert", delivery.failed > 0);
}

function renderButtons(buttons) {
  const section = byId("buttons-section");
  section.hidden = buttons === null;
  if (buttons === null) return;
  const table = section.querySelector("table");
  const empty = byId("buttons-empty");
  table.hidden = buttons.length === 0;
  const noClicks = buttons.length > 0 && buttons.every((b) => b.clicks === 0);
  empty.hidden = buttons.length > 0 && !noClicks;
  empty.textContent = buttons.length === 0
    ? "This campaign has no buttons, so there are no clicks to break down."
    : "No button clicks yet. Each button's share appears after the first click.";
  syncRows(
    byId("buttons-body"),
    buttons,
    (b) => b.buttonId,
    () => {
      const row = document.createElement("tr");
      row.dataset.testid = "button-row";
      const share = cell("button-share", "share");
      share.innerHTML = '<div class="share-cell"><span class="share-bar" aria-hidden="true"><span></span></span><span class="share-value"></span></div>';
      row.append(cell("button-text"), cell("button-clicks", "num"), cell("button-unique", "num"), share);
      return row;
    },
    (row, b) => {
      setText(byTestId(row, "button-text"), b.text);
      setText(byTestId(row, "button-clicks"), count(b.clicks));
      setText(byTestId(row, "button-unique"), count(b.uniqueClickers));
      setText(row.querySelector(".share-value"), rate(b.percentage));
      row.querySelector(".share-bar span").style.width = `${b.percentage || 0}%`;
    },
  );
}

function renderComparison(comparison, single) {
  const section = byId("comparison-section");
  section.hidden = single;
  if (single) return;
  syncRows(
    byId("comparison-body"),
    comparison,
    (c) => c.campaign.id,
    (c) => {
      const row = document.createElement("tr");
      row.dataset.testid = "comparison-row";
      row.dataset.campaignId = c.campaign.id;
      const name = document.createElement("th");
      name.scope = "row";
      name.dataset.testid = "comparison-name";
      row.append(name, cell("comparison-status"));
      for (const field of ["sent", "delivered", "read", "failed", "clicks", "ctr", "delivery-rate", "open-rate", "click-rate", "response-rate"]) {
        row.append(cell(`comparison-${field}`, "num"));
      }
      return row;
    },
    (row, c) => {
      const { delivery, engagement } = c.stats;
      setText(byTestId(row, "comparison-name"), c.campaign.name);
      const status = byTestId(row, "comparison-status");
      if (status.dataset.status !== c.campaign.status) {
        status.dataset.status = c.campaign.status;
        status.replaceChildren(badge(c.campaign.status));
      }
      setText(byTestId(row, "comparison-sent"), count(delivery.sent));
      setText(byTestId(row, "comparison-delivered"), count(delivery.delivered));
      setText(byTestId(row, "comparison-read"), count(delivery.read));
      setText(byTestId(row, "comparison-failed"), count(delivery.failed));
      setText(byTestId(row, "comparison-clicks"), count(engagement.totalClicks));
      setText(byTestId(row, "comparison-ctr"), rate(engagement.clickThroughRate));
      setText(byTestId(row, "comparison-delivery-rate"), rate(engagement.deliveryRate));
      setText(byTestId(row, "comparison-open-rate"), rate(engagement.openRate));
      setText(byTestId(row, "comparison-click-rate"), rate(engagement.clickRate));
      setText(byTestId(row, "comparison-response-rate"), rate(engagement.responseRate));
    },
  );
}

function emptyNote(message) {
  const p = document.createElement("p");
  p.className = "empty";
  p.textContent = message;
  return p;
}

function renderLabels(labels) {
  const rows = labels.map((l) => ({ label: l.label, value: l.count, percentage: l.percentage, color: LABEL_COLOR }));
  byId("labels-chart").replaceChildren(
    rows.length ? barChart(rows, { title: "Conversations by label" })
      : emptyNote("No labels yet. Labels put on the conversations this campaign starts show up here."),
  );
}

function renderSentiments(sentiments) {
  const rows = sentiments.map((s) => ({
    label: s.sentiment.charAt(0) + s.sentiment.slice(1).toLowerCase(),
    value: s.count,
    percentage: s.percentage,
    color: SENTIMENT_COLORS[s.sentiment],
  }));
  byId("sentiments-chart").replaceChildren(
    rows.some((r) => r.value > 0) ? barChart(rows, { title: "Conversations by sentiment" })
      : emptyNote("No sentiment yet. It appears once conversations are rated."),
  );
}

/** Leading empty buckets (the period starts before the first event) are left out. */
function renderTrend(points, hasEvents, rangeLabel) {
  const firstActive = points.findIndex((p) => TREND_SERIES.some((s) => p[s.key] > 0));
  const shown = firstActive < 0 ? [] : points.slice(Math.max(0, firstActive - 1));
  const legend = byId("trend-legend");
  if (!legend.children.length) {
    for (const s of TREND_SERIES) {
      const item = document.createElement("li");
      item.innerHTML = `<span class="swatch" style="background:${s.color}"></span>${s.label}`;
      legend.append(item);
    }
  }
  legend.hidden = shown.length === 0;
  let content;
  if (shown.length) content = lineChart(shown, TREND_SERIES, { title: "Sent, read, clicks and replies per hour" });
  else if (hasEvents) content = emptyNote(`No events in the ${rangeLabel.toLowerCase()}. Choose a longer period.`);
  else content = emptyNote("No events yet. The trend starts with the first message sent.");
  byId("trend-chart").replaceChildren(content);
}

function renderUpdated(asOf) {
  const element = byId("last-updated");
  element.dateTime = asOf;
  element.title = new Date(asOf).toString();
  element.textContent = time(asOf);
}

export function renderInsights(insights, { rangeLabel }) {
  const single = insights.isSingleCampaign;
  const summary = insights.summary;
  byId("scope").textContent = single
    ? `· ${insights.campaigns[0].name}`
    : `· ${insights.campaigns.length} campaigns combined`;
  byId("no-events").hidden = summary.lastEventAt !== null;
  renderStats(summary);
  renderButtons(insights.buttons);
  renderComparison(insights.comparison, single);
  renderLabels(insights.labels);
  renderSentiments(insights.sentiments);
  renderTrend(insights.trend, summary.lastEventAt !== null, rangeLabel);
  renderUpdated(summary.asOf);
}

/** Forget rendered values (a new selection starts fresh, without flashing). */
export function clearInsights() {
  for (const element of document.querySelectorAll("#insights [data-filled]")) {
    element.textContent = "—";
    delete element.dataset.filled;
  }
  byId("buttons-body").replaceChildren();
  byId("comparison-body").replaceChildren();
  const updated = byId("last-updated");
  updated.textContent = "—";
  updated.removeAttribute("datetime");
}
