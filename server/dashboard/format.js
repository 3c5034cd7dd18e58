// How numbers, rates and times read on the page.

const COUNT = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

export const DASH = "—";

export function count(value) {
  return value === null || value === undefined ? DASH : COUNT.format(value);
}

/** Rates are percentages already (0..100, CTR may exceed 100); null when undefined. */
export function rate(value) {
  return value === null || value === undefined ? DASH : `${value.toFixed(1)}%`;
}

export function time(iso) {
  return new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

export function dateTime(iso) {
  return new Date(iso).toLocaleString(undefined, {
    month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
  });
}

export function statusLabel(status) {
  return status.charAt(0) + status.slice(1).toLowerCase();
}

/** A status badge: the colour comes from data-status in style.css; the text says it too. */
export function badge(status) {
  const span = document.createElement("span");
  span.className = "badge";
  span.dataset.status = status;
  span.dataset.testid = "campaign-status";
  span.textContent = statusLabel(status);
  return span;
}
