/**
 * @module A small HTTP client for an MLflow tracking server: JSON calls under /api/2.0/mlflow/, raw
 * artifact transfers under /api/2.0/mlflow-artifacts/, auth from MLFLOW_TRACKING_TOKEN or
 * MLFLOW_TRACKING_USERNAME/PASSWORD, and MLflow error bodies turned into DfpErrors that name what failed.
 */
import { DfpError, type ErrorCode, messageOf } from '../../core/errors.ts';

export interface MlflowHttpOptions {
  /** Server base URL, e.g. http://127.0.0.1:5000. */
  url: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

const CODES: Record<string, ErrorCode> = {
  RESOURCE_DOES_NOT_EXIST: 'NOT_FOUND',
  RESOURCE_ALREADY_EXISTS: 'CONFLICT',
  INVALID_PARAMETER_VALUE: 'INPUT_INVALID',
  INVALID_STATE: 'CONFLICT',
  PERMISSION_DENIED: 'AUTH',
  UNAUTHENTICATED: 'AUTH',
};

/** True when the error means the server could not be reached at all (the outbox case). */
export function isUnreachable(e: unknown): boolean {
  return e instanceof DfpError && e.code === 'NETWORK' && e.details?.unreachable === true;
}

export class MlflowHttp {
  readonly url: string;
  private readonly timeoutMs: number;
  private readonly auth: string | undefined;

  constructor(o: MlflowHttpOptions) {
    this.url = o.url.replace(/\/+$/, '');
    this.timeoutMs = o.timeoutMs ?? 10000;
    const env = o.env ?? process.env;
    if (env.MLFLOW_TRACKING_TOKEN) this.auth = `Bearer ${env.MLFLOW_TRACKING_TOKEN}`;
    else if (env.MLFLOW_TRACKING_USERNAME) this.auth = `Basic ${Buffer.from(`${env.MLFLOW_TRACKING_USERNAME}:${env.MLFLOW_TRACKING_PASSWORD ?? ''}`).toString('base64')}`;
  }

  private async send(method: string, path: string, what: string, body?: Uint8Array | string, contentType?: string): Promise<Response> {
    const headers: Record<string, string> = {};
    if (contentType) headers['content-type'] = contentType;
    if (this.auth) headers.authorization = this.auth;
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, { method, headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? messageOf(e);
      throw new DfpError('NETWORK', `MLflow at ${this.url} unreachable while ${what} (${cause}); check tracking.uri or start the server`, { unreachable: true, url: this.url }, { cause: e });
    }
    if (res.ok) return res;
    const text = await res.text();
    let code = `HTTP_${res.status}`;
    let message = text.slice(0, 300);
    try {
      const j = JSON.parse(text) as { error_code?: string; message?: string };
      if (j.error_code) code = j.error_code;
      if (j.message) message = j.message;
    } catch {
      // not JSON (a proxy page, a 502): keep the text
    }
    const dfpCode: ErrorCode = CODES[code] ?? (res.status === 401 || res.status === 403 ? 'AUTH' : 'NETWORK');
    const summary = code === 'RESOURCE_DOES_NOT_EXIST' ? `${what} not found` : `${what} failed`;
    // 5xx from a proxy in front of a restarting server is as good as unreachable for the outbox.
    const unreachable = res.status === 502 || res.status === 503 || res.status === 504;
    throw new DfpError(dfpCode, `MLflow: ${code}: ${summary} (${message})`, { error_code: code, status: res.status, url: this.url, ...(unreachable ? { unreachable } : {}) });
  }

  /** JSON call under /api/2.0/mlflow/. GET and DELETE-with-body follow MLflow's conventions. */
  async call<R>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', endpoint: string, what: string, payload: Record<string, unknown> = {}): Promise<R> {
    let path = `/api/2.0/mlflow/${endpoint}`;
    let body: string | undefined;
    if (method === 'GET') {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(payload)) {
        if (v === undefined) continue;
        for (const item of Array.isArray(v) ? v : [v]) q.append(k, String(item));
      }
      if ([...q.keys()].length) path += `?${q.toString()}`;
    } else {
      body = JSON.stringify(payload);
    }
    const res = await this.send(method, path, what, body, body === undefined ? undefined : 'application/json');
    const text = await res.text();
    return (text ? JSON.parse(text) : {}) as R;
  }

  private artifactPath(path: string): string {
    return `/api/2.0/mlflow-artifacts/artifacts/${path.split('/').map(encodeURIComponent).join('/')}`;
  }

  async putArtifact(path: string, data: Uint8Array, what: string): Promise<void> {
    await this.send('PUT', this.artifactPath(path), what, data, 'application/octet-stream');
  }

  async getArtifact(path: string, what: string): Promise<Uint8Array> {
    const res = await this.send('GET', this.artifactPath(path), what);
    return new Uint8Array(await res.arrayBuffer());
  }

  async listArtifacts(path: string, what: string): Promise<{ path: string; is_dir?: boolean; file_size?: number | string }[]> {
    const res = await this.send('GET', `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(path)}`, what);
    const j = (await res.json()) as { files?: { path: string; is_dir?: boolean; file_size?: number | string }[] };
    return j.files ?? [];
  }

  /** The server's /health endpoint, for start-up waits and `dfp runs sync` pre-checks. */
  async healthy(): Promise<boolean> {
    try {
      const res = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(Math.min(this.timeoutMs, 3000)) });
      return res.ok;
    } catch {
      return false;
    }
  }
}
