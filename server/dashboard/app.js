// The dashboard: API key, campaign search and selection, and the live Insights subscription.

import { ApiError, AuthError, GRAPHQL_PATH, errorFromGraphQL, query } from "./api.js";
import { badge } from "./format.js";
import { LiveClient, liveUrl } from "./live.js";
import { clearInsights, renderInsights } from "./render.js";

const KEY_STORAGE = "insights.apiKey";
const SEARCH_DEBOUNCE_MS = 250;
const PAGE_SIZE = 20;
const MAX_SELECTED = 100; // the API's limit for insights(campaignIds:)
const RESUBSCRIBE_MS = 2_000;
const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

const SEARCH = `
query Find($search: String, $first: Int!, $after: String) {
  campaigns(search: $search, first: $first, after: $after) {
    totalCount
    edges { node { id name status } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const LIVE = `
subscription Live($ids: [ID!]!, $from: DateTime, $timeZone: String!) {
  insights(campaignIds: $ids) {
    isSingleCampaign
    campaigns { id name status }
    summary { ...Numbers }
    comparison { campaign { id name status } stats { ...Numbers } }
    buttons { buttonId text clicks uniqueClickers percentage }
    labels { label count percentage }
    sentiments { sentiment count percentage }
    trend(granularity: HOUR, from: $from, timeZone: $timeZone) { bucketStart sent read clicks replies }
  }
}
fragment Numbers on CampaignStats {
  delivery { recipients sent delivered read failed }
  engagement {
    totalClicks clickThroughRate deliveryRate openRate clickRate responseRate
  }
  lastEventAt
  asOf
}`;

const $ = (id) => document.getElementById(id);

const state = {
  key: null,
  live: null,
  stopLive: null,
  selected: new Map(), // id -> {id, name, status}, in the order picked
  search: { term: "", cursor: null, controller: null, timer: null },
};

// ---- API key -------------------------------------------------------------------------

function askForKey(message = "") {
  sessionStorage.removeItem(KEY_STORAGE);
  state.key = null;
  stopLive();
  if (state.live) state.live.dispose();
  state.live = null;
  $("app").hidden = true;
  $("forget-key").hidden = true;
  $("updated").hidden = true;
  $("key-screen").hidden = false;
  const error = $("key-error");
  error.textContent = message;
  error.hidden = !message;
  const input = $("api-key");
  input.value = "";
  input.focus();
}

function start(key) {
  state.key = key;
  $("key-screen").hidden = true;
  $("app").hidden = false;
  $("forget-key").hidden = false;
  $("updated").hidden = false;
  state.live = new LiveClient({
    url: liveUrl(GRAPHQL_PATH),
    key,
    onStatus: showConnection,
    onAuthFailure: () => askForKey("The server closed the live connection: this API key was refused or revoked. Enter a valid key."),
  });
  renderSelection();
  subscribe();
  search(state.search.term);
}

function handleError(error, where) {
  if (error instanceof AuthError) {
    askForKey("The server did not accept this API key (HTTP 401). Check it and try again.");
    return true;
  }
  if (error instanceof ApiError && error.code === "FORBIDDEN") {
    askForKey(`This API key cannot read the dashboard (${error.message}). Use a key with the viewer role.`);
    return true;
  }
  if (error.name === "AbortError") return true;
  where.textContent = error.message;
  where.hidden = false;
  return false;
}

// ---- connection status ---------------------------------------------------------------

const CONNECTION_TEXT = {
  idle: "Not connected",
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting",
  closed: "Not connected",
};

function showConnection(status, detail) {
  const element = $("connection");
  element.dataset.state = status;
  element.textContent = detail ? `${CONNECTION_TEXT[status]} in ${detail}` : CONNECTION_TEXT[status];
}

// ---- search --------------------------------------------------------------------------

async function search(term, { more = false } = {}) {
  const s = state.search;
  if (s.controller) s.controller.abort();
  const controller = (s.controller = new AbortController());
  const message = $("search-message");
  try {
    const data = await query(
      state.key,
      SEARCH,
      { search: term.trim() || null, first: PAGE_SIZE, after: more ? s.cursor : null },
      { signal: controller.signal },
    );
    if (controller !== s.controller) return;
    const page = data.campaigns;
    s.term = term;
    s.cursor = page.pageInfo.endCursor;
    showOptions(page.edges.map((e) => e.node), { append: more });
    $("load-more").hidden = !page.pageInfo.hasNextPage;
    message.hidden = page.totalCount > 0;
    message.className = "empty";
    message.textContent = term.trim()
      ? `No campaigns match “${term.trim()}”. Try part of a name, or a status such as “active”.`
      : "No campaigns yet. Campaigns created through the API (createCampaign) appear here.";
  } catch (error) {
    if (controller !== s.controller) return;
    message.className = "error";
    handleError(error, message);
  }
}

function showOptions(campaigns, { append }) {
  const list = $("campaign-list");
  if (!append) list.replaceChildren();
  for (const campaign of campaigns) {
    const item = document.createElement("li");
    item.className = "campaign-option";
    item.dataset.testid = "campaign-option";
    item.dataset.campaignId = campaign.id;
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.value = campaign.id;
    box.checked = state.selected.has(campaign.id);
    box.addEventListener("change", () => toggle(campaign, box));
    const name = document.createElement("span");
    name.className = "campaign-name";
    name.textContent = campaign.name;
    label.append(box, name, badge(campaign.status));
    item.append(label);
    list.append(item);
  }
}

function onSearchInput() {
  const s = state.search;
  clearTimeout(s.timer);
  s.timer = setTimeout(() => search($("search").value), SEARCH_DEBOUNCE_MS);
}

// ---- selection -----------------------------------------------------------------------

function toggle(campaign, box) {
  if (box.checked) {
    if (state.selected.size >= MAX_SELECTED) {
      box.checked = false;
      showInsightsError(`At most ${MAX_SELECTED} campaigns can be compared at once.`);
      return;
    }
    state.selected.set(campaign.id, { ...campaign });
  } else {
    state.selected.delete(campaign.id);
  }
  selectionChanged();
}

function selectionChanged() {
  for (const box of $("campaign-list").querySelectorAll("input[type=checkbox]")) {
    box.checked = state.selected.has(box.value);
  }
  const ids = [...state.selected.keys()];
  const here = window.location.pathname + window.location.search;
  history.replaceState(null, "", ids.length ? `#campaigns=${ids.map(encodeURIComponent).join(",")}` : here);
  renderSelection();
  subscribe();
}

function renderSelection() {
  const chips = $("chips");
  chips.replaceChildren();
  for (const campaign of state.selected.values()) {
    const chip = document.createElement("li");
    chip.className = "chip";
    chip.dataset.testid = "selected-campaign";
    chip.dataset.campaignId = campaign.id;
    const name = document.createElement("span");
    name.textContent = campaign.name || "Loading…";
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "chip-remove";
    remove.setAttribute("aria-label", `Remove ${campaign.name || "campaign"} from the selection`);
    remove.textContent = "×";
    remove.addEventListener("click", () => {
      state.selected.delete(campaign.id);
      selectionChanged();
    });
    chip.append(name);
    if (campaign.status) chip.append(badge(campaign.status));
    chip.append(remove);
    chips.append(chip);
  }
  $("clear-selection").hidden = state.selected.size < 2;
  $("empty-selection").hidden = state.selected.size > 0;
}

function selectionFromHash() {
  const match = window.location.hash.match(/^#campaigns=(.+)$/);
  if (!match) return;
  for (const id of match[1].split(",").slice(0, MAX_SELECTED)) {
    const decoded = decodeURIComponent(id);
    if (decoded) state.selected.set(decoded, { id: decoded, name: "", status: "" });
  }
}

// ---- live insights -------------------------------------------------------------------

function trendStart() {
  const hours = Number($("trend-range").value);
  const start = new Date(Date.now() - hours * 3_600_000);
  start.setUTCMinutes(0, 0, 0);
  return start.toISOString();
}

function showInsightsError(message) {
  const element = $("insights-error");
  element.textContent = message;
  element.hidden = !message;
}

function stopLive() {
  if (state.stopLive) state.stopLive();
  state.stopLive = null;
}

function subscribe() {
  stopLive();
  clearInsights();
  showInsightsError("");
  const panel = $("insights");
  if (!state.selected.size || !state.live) {
    panel.hidden = true;
    return;
  }
  panel.setAttribute("aria-busy", "true");
  const variables = { ids: [...state.selected.keys()], from: trendStart(), timeZone: TIME_ZONE };
  let failed = false;
  const stop = state.live.subscribe({ query: LIVE, variables }, {
    next(payload) {
      if (payload.errors && payload.errors.length && !payload.data) {
        failed = true;
        showSubscriptionError(errorFromGraphQL(payload.errors));
        return;
      }
      showInsightsError(payload.errors && payload.errors.length ? errorFromGraphQL(payload.errors).message : "");
      update(payload.data.insights);
    },
    error(errors) {
      failed = true;
      showSubscriptionError(errorFromGraphQL(errors));
    },
    complete() {
      // The server ended a healthy stream (e.g. it is restarting): ask again shortly.
      if (!failed && state.stopLive === stop) setTimeout(() => state.stopLive === stop && subscribe(), RESUBSCRIBE_MS);
    },
  });
  state.stopLive = stop;
}

function showSubscriptionError(error) {
  const panel = $("insights");
  panel.removeAttribute("aria-busy");
  panel.hidden = true; // no numbers rather than stale ones
  clearInsights();
  if (error.code === "FORBIDDEN") {
    askForKey(`This API key cannot read the dashboard (${error.message}). Use a key with the viewer role.`);
    return;
  }
  const hint = error.code === "NOT_FOUND" ? " Remove it from the selection." : "";
  showInsightsError(`Could not load insights: ${error.message}.${hint}`);
}

function update(insights) {
  const panel = $("insights");
  panel.hidden = false;
  panel.removeAttribute("aria-busy");
  // Names and statuses come with every payload: keep chips and search results current.
  let renamed = false;
  for (const campaign of insights.campaigns) {
    const known = state.selected.get(campaign.id);
    if (known && (known.name !== campaign.name || known.status !== campaign.status)) {
      Object.assign(known, campaign);
      renamed = true;
    }
    const option = document.querySelector(`[data-testid="campaign-option"][data-campaign-id="${CSS.escape(campaign.id)}"]`);
    const current = option && option.querySelector(".badge");
    if (current && current.dataset.status !== campaign.status) current.replaceWith(badge(campaign.status));
  }
  if (renamed) renderSelection();
  const range = $("trend-range");
  renderInsights(insights, { rangeLabel: range.options[range.selectedIndex].text });
}

// ---- wiring --------------------------------------------------------------------------

function init() {
  $("time-zone").textContent = TIME_ZONE;
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = $("api-key").value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY_STORAGE, key);
    start(key);
  });
  $("forget-key").addEventListener("click", () => askForKey());
  $("search").addEventListener("input", onSearchInput);
  $("search").addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      clearTimeout(state.search.timer);
      search($("search").value);
    }
  });
  $("load-more").addEventListener("click", () => search(state.search.term, { more: true }));
  $("clear-selection").addEventListener("click", () => {
    state.selected.clear();
    selectionChanged();
  });
  $("trend-range").addEventListener("change", subscribe);
  selectionFromHash();
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (key) start(key);
  else askForKey();
}

init();
