/** Uploading over real HTTP (multipart/form-data, as a browser sends it) and the File fields tests read. */
export const FILE_FIELDS = 'id name contentType size sha256 createdAt';

export interface UploadAnswer {
  status: number;
  body: any;
}

/** `POST /files` beside the GraphQL endpoint at `graphqlUrl`, with one part named `file` (or `field`). */
export async function uploadFile(graphqlUrl: string, key: string | undefined, bytes: Uint8Array, name: string, field = 'file'): Promise<UploadAnswer> {
  const form = new FormData();
  form.append(field, new Blob([bytes]), name);
  const res = await fetch(graphqlUrl.replace(/\/graphql$/, '/files'), {
    method: 'POST',
    headers: key ? { authorization: `Bearer ${key}` } : {},
    body: form,
    signal: AbortSignal.timeout(60_000),
  });
  return { status: res.status, body: await res.json() };
}
