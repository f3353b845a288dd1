/** A POST as every state-changing request must be sent: JSON, even with no body. */
export const postJson = (url: string, body?: unknown): Promise<Response> =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** A new session over REST; its id. */
export async function createSession(baseUrl: string): Promise<string> {
  const response = await postJson(`${baseUrl}/api/v3/sessions`);
  if (response.status !== 201) {
    throw new Error(`POST /api/v3/sessions answered ${response.status}: ${await response.text()}`);
  }
  return ((await response.json()) as { session_id: string }).session_id;
}
