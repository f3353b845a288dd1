import { bearer } from './http';

/** A node's /metrics, parsed: the value of one series, by name and labels (0 when it is absent). */
export interface Scrape {
  value(name: string, labels?: Record<string, string>): number;
  text: string;
}

export async function scrape(baseUrl: string, token?: string): Promise<Scrape> {
  const response = await fetch(`${baseUrl}/metrics`, { headers: bearer(token) });
  if (!response.ok) {
    throw new Error(`/metrics answered ${response.status}: ${await response.text()}`);
  }
  const text = await response.text();
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-z_:][\w:]*)(\{[^}]*\})? (\S+)$/i.exec(line);
    if (match) {
      series.set(`${match[1]}${match[2] ?? ''}`, Number(match[3]));
    }
  }
  return {
    text,
    value: (name, labels = {}) => {
      const keys = Object.keys(labels);
      const shown = keys.length > 0 ? `{${keys.map((key) => `${key}="${labels[key]}"`).join(',')}}` : '';
      return series.get(`${name}${shown}`) ?? 0;
    },
  };
}
