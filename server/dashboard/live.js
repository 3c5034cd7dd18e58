// A small graphql-transport-ws client: one WebSocket, any number of subscriptions.
//
// connection_init carries {"Authorization": "Bearer <key>"}; subscriptions are (re)sent once
// the server acks. ping -> pong; our own ping every KEEPALIVE_MS detects a dead connection.
// On close the client reconnects with exponential backoff and resubscribes, except for
// 4403 (key refused or revoked), which it reports through onAuthFailure and stops.

const PROTOCOL = "graphql-transport-ws";
const ACK_TIMEOUT_MS = 10_000;
const KEEPALIVE_MS = 20_000;
const BACKOFF_FIRST_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;
const FORBIDDEN = 4403;

export class LiveClient {
  /**
   * @param {object} options
   * @param {string} options.url ws:// or wss:// URL of /graphql
   * @param {string} options.key the API key
   * @param {(state: string, detail?: string) => void} [options.onStatus]
   *   "connecting" | "live" | "reconnecting" | "closed"
   * @param {(reason: string) => void} [options.onAuthFailure]
   */
  constructor({ url, key, onStatus = () => {}, onAuthFailure = () => {} }) {
    this.url = url;
    this.key = key;
    this.onStatus = onStatus;
    this.onAuthFailure = onAuthFailure;
    this.socket = null;
    this.acked = false;
    this.disposed = false;
    this.attempts = 0;
    this.nextId = 1;
    this.subscriptions = new Map(); // id -> {payload, sink}
    this.timers = { reconnect: null, ack: null, keepalive: null };
    this.awaitingPong = false;
  }

  /** Start a subscription; returns a function that stops it. */
  subscribe(payload, sink) {
    const id = String(this.nextId++);
    this.subscriptions.set(id, { payload, sink });
    if (this.acked) this.send({ id, type: "subscribe", payload });
    else this.connect();
    return () => {
      if (!this.subscriptions.delete(id)) return;
      if (this.acked) this.send({ id, type: "complete" });
    };
  }

  /** Close for good (e.g. the key changed). */
  dispose() {
    this.disposed = true;
    this.subscriptions.clear();
    this.clearTimers();
    if (this.socket) this.socket.close(1000, "bye");
    this.socket = null;
    this.onStatus("closed");
  }

  connect() {
    if (this.disposed || this.socket || this.timers.reconnect) return;
    this.onStatus("connecting");
    const socket = new WebSocket(this.url, PROTOCOL);
    this.socket = socket;
    this.acked = false;
    socket.addEventListener("open", () => {
      this.send({ type: "connection_init", payload: { Authorization: `Bearer ${this.key}` } });
      this.timers.ack = setTimeout(() => socket.close(4408, "no connection_ack"), ACK_TIMEOUT_MS);
    });
    socket.addEventListener("message", (event) => this.receive(event.data));
    socket.addEventListener("close", (event) => this.closed(socket, event));
  }

  receive(raw) {
    let message;
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    const subscription = message.id ? this.subscriptions.get(message.id) : null;
    switch (message.type) {
      case "connection_ack":
        clearTimeout(this.timers.ack);
        this.acked = true;
        this.attempts = 0;
        this.onStatus("live");
        for (const [id, { payload }] of this.subscriptions) this.send({ id, type: "subscribe", payload });
        this.keepAlive();
        break;
      case "ping":
        this.send({ type: "pong" });
        break;
      case "pong":
        this.awaitingPong = false;
        break;
      case "next":
        if (subscription) subscription.sink.next(message.payload);
        break;
      case "error":
        if (subscription) {
          this.subscriptions.delete(message.id);
          subscription.sink.error(message.payload);
        }
        break;
      case "complete":
        if (subscription) {
          this.subscriptions.delete(message.id);
          if (subscription.sink.complete) subscription.sink.complete();
        }
        break;
      default:
        break;
    }
  }

  closed(socket, event) {
    if (socket !== this.socket) return;
    this.socket = null;
    this.acked = false;
    this.clearTimers();
    if (this.disposed) return;
    if (event.code === FORBIDDEN) {
      this.disposed = true;
      this.onStatus("closed");
      this.onAuthFailure(event.reason || "the server refused this API key");
      return;
    }
    if (!this.subscriptions.size) {
      this.onStatus("closed");
      return;
    }
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** this.attempts);
    const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    this.attempts += 1;
    this.onStatus("reconnecting", `${Math.ceil(delay / 1000)}s`);
    this.timers.reconnect = setTimeout(() => {
      this.timers.reconnect = null;
      this.connect();
    }, delay);
  }

  keepAlive() {
    this.awaitingPong = false;
    this.timers.keepalive = setInterval(() => {
      if (this.awaitingPong && this.socket) {
        this.socket.close(4000, "no pong");
        return;
      }
      this.awaitingPong = true;
      this.send({ type: "ping" });
    }, KEEPALIVE_MS);
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message));
    }
  }

  clearTimers() {
    clearTimeout(this.timers.ack);
    clearInterval(this.timers.keepalive);
    clearTimeout(this.timers.reconnect);
    this.timers = { reconnect: null, ack: null, keepalive: null };
  }
}

/** The WebSocket URL of /graphql on the page's own server. */
export function liveUrl(path) {
  const url = new URL(path, window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}
