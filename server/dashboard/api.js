// Queries over HTTP: POST /graphql with the API key as a bearer token.

export const GRAPHQL_PATH = "/graphql";

/** The server refused the key (HTTP 401): ask for another one. */
export class AuthError extends Error {}

/** Any other failure, with the GraphQL `extensions.code` when the server gave one. */
export class ApiError extends Error {
  constructor(message, code = null) {
    super(message);
    this.code = code;
  }
}

export function errorFromGraphQL(errors) {
  const first = errors[0] || {};
  const code = (first.extensions && first.extensions.code) || null;
  const message = errors.map((e) => e.message).join("; ") || "the request failed";
  return new ApiError(message, code);
}

export async function query(key, document, variables = {}, { signal } = {}) {
  let response;
  try {
    response = await fetch(GRAPHQL_PATH, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: document, variables }),
      signal,
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError("cannot reach the server; check your connection");
  }
  if (response.status === 401) throw new AuthError("the server did not accept this API key");
  let body = null;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`the server answered HTTP ${response.status}`);
  }
  if (body.errors && body.errors.length) throw errorFromGraphQL(body.errors);
  if (!response.ok) throw new ApiError(`the server answered HTTP ${response.status}`);
  return body.data;
}
