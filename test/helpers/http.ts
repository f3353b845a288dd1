/** `Authorization: Bearer` for a credential, or nothing. */
export const bearer = (token?: string): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});

/** A POST as every state-changing request must be sent: JSON, even with no body. */
export const postJson = (url: string, body?: unknown, token?: string): Promise<Response> =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(token) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** A new session over REST; its id. */
export async function createSession(baseUrl: string, token?: string): Promise<string> {
  const response = await postJson(`${baseUrl}/api/v3/sessions`, undefined, token);
  if (response.status !== 201) {
    throw new Error(`POST /api/v3/sessions answered ${response.status}: ${await response.text()}`);
  }
  return ((await response.json()) as { session_id: string }).session_id;
}
