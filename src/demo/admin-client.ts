// The admin API over HTTP, as any operator's script would call it: bearer token, JSON in and out, and a refusal
// turned into one sentence naming the call, the problem's code and the fields it names.
import { DemoError } from './errors.js';

interface Problem {
  code?: string;
  detail?: string;
  errors?: Array<{ field: string; message: string }>;
}

export class AdminClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async call<T = unknown>(method: string, path: string, body?: unknown, expected: number[] = [200, 201, 204]): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? null : JSON.stringify(body),
      });
    } catch (error) {
      throw new DemoError('admin_api', `the admin API at ${this.baseUrl} did not answer ${method} ${path}`, { cause: error });
    }
    const text = await response.text();
    if (expected.includes(response.status)) return (text ? JSON.parse(text) : undefined) as T;
    if (response.status === 401) {
      throw new DemoError(
        'admin_token_unknown',
        `the admin API refused the admin token (${method} ${path} answered 401): set ADMIN_TOKEN to this database's admin token, or use another DATA_DIR`,
      );
    }
    let problem: Problem = {};
    try {
      problem = JSON.parse(text) as Problem;
    } catch {
      problem = { detail: text.slice(0, 300) };
    }
    const fields = problem.errors?.length ? ` (${problem.errors.map((e) => `${e.field}: ${e.message}`).join('; ')})` : '';
    throw new DemoError(
      'admin_api',
      `the admin API answered ${method} ${path} with ${response.status} ${problem.code ?? ''}: ${problem.detail ?? ''}${fields}`,
    );
  }

  /** The items of a list resource (`{ items: [...] }`). */
  async list<T>(path: string): Promise<T[]> {
    return (await this.call<{ items: T[] }>('GET', path)).items;
  }
}
