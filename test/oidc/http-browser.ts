// A minimal browser over plain HTTP for the sign-in tests: a cookie jar per host:port and redirects
// followed by hand (so each hop can be seen and cookies cross origins as a browser's would not).

export interface Hop {
  url: string;
  status: number;
  location: string | null;
}

export interface PageResult {
  url: string;
  status: number;
  html: string;
  hops: Hop[];
}

export class HttpBrowser {
  private readonly jars = new Map<string, Map<string, string>>();

  cookies(url: string): Map<string, string> {
    const host = new URL(url).host;
    let jar = this.jars.get(host);
    if (!jar) this.jars.set(host, (jar = new Map()));
    return jar;
  }

  /** The Cookie header this browser sends to `url`. */
  cookieHeader(url: string): string {
    return [...this.cookies(url)].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(url: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'text/html', ...init.headers };
    const cookie = this.cookieHeader(url);
    if (cookie) headers.cookie = cookie;
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      headers,
      redirect: 'manual',
      ...(init.form ? { body: new URLSearchParams(init.form) } : {}),
    });
    this.store(url, res);
    return res;
  }

  /** GET (or POST a form), then follow redirects with GET, up to 20 hops. */
  async go(url: string, init: { form?: Record<string, string> } = {}): Promise<PageResult> {
    const hops: Hop[] = [];
    let res = await this.request(url, init);
    let current = url;
    for (let i = 0; i < 20; i++) {
      const location = res.headers.get('location');
      hops.push({ url: current, status: res.status, location });
      if (res.status < 300 || res.status >= 400 || !location) break;
      await res.arrayBuffer();
      current = new URL(location, current).href;
      res = await this.request(current);
    }
    return { url: current, status: res.status, html: await res.text(), hops };
  }

  private store(url: string, res: Response): void {
    const jar = this.cookies(url);
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const gone = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || attrs.some((a) => /^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]!) < Date.now());
      if (gone || value === '') jar.delete(name);
      else jar.set(name, value);
    }
  }
}

/** The value of a form field in a page (hidden inputs), or undefined. */
export function formField(html: string, name: string): string | undefined {
  return new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
}
