// recharts wrappers with text alternatives: values on hover (tooltip) and the same numbers in a table below each chart.
import { Bar, BarChart, CartesianGrid, Cell, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { num } from '../format.ts';

const COLORS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#bf3989'];

export interface Series {
  name: string;
  points: { step: number; value: number }[];
}

/** Metric curves per epoch; several series share the x axis (step). */
export function CurveChart({ title, series }: { title: string; series: Series[] }) {
  const steps = [...new Set(series.flatMap((s) => s.points.map((p) => p.step)))].sort((a, b) => a - b);
  const rows = steps.map((step) => {
    const row: Record<string, number | null> = { step };
    for (const s of series) row[s.name] = s.points.find((p) => p.step === step)?.value ?? null;
    return row;
  });
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div className="chart-box" role="img" aria-label={`${title}: line chart of ${series.map((s) => s.name).join(', ')} over ${steps.length} steps; values in the table below`}>
        <ResponsiveContainer width="100%" height={240}>
          <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#d0d7de" />
            <XAxis dataKey="step" label={{ value: 'epoch', position: 'insideBottomRight', offset: -4 }} />
            <YAxis width={64} tickFormatter={(v: number) => num(v, 3)} />
            <Tooltip formatter={(v) => num(Number(v))} labelFormatter={(l) => `epoch ${String(l)}`} />
            <Legend />
            {series.map((s, i) => (
              <Line key={s.name} type="monotone" dataKey={s.name} stroke={COLORS[i % COLORS.length]} dot={false} isAnimationActive={false} connectNulls />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <details>
        <summary>Values of “{title}” as a table</summary>
        <div className="table-wrap small">
          <table>
            <thead>
              <tr>
                <th scope="col">epoch</th>
                {series.map((s) => (
                  <th key={s.name} scope="col" className="num">
                    {s.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={String(r.step)}>
                  <td>{r.step}</td>
                  {series.map((s) => (
                    <td key={s.name} className="num">
                      {num(r[s.name] ?? null)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

/** Horizontal bars (e.g. feature contributions); negative values point left. */
export function BarsChart({ title, bars, valueLabel }: { title: string; bars: { name: string; value: number }[]; valueLabel: string }) {
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div className="chart-box" role="img" aria-label={`${title}: ${bars.map((b) => `${b.name} ${num(b.value, 3)}`).join(', ')}`}>
        <ResponsiveContainer width="100%" height={Math.max(120, bars.length * 30 + 40)}>
          <BarChart data={bars} layout="vertical" margin={{ top: 4, right: 24, bottom: 4, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#d0d7de" />
            <XAxis type="number" tickFormatter={(v: number) => num(v, 2)} />
            {/* Wide enough for names like ACCESS_LOCATION_EXTRA_COMMANDS at 12 px (~7 px a character). */}
            <YAxis type="category" dataKey="name" width={Math.min(300, 16 + 7.5 * Math.max(4, ...bars.map((b) => b.name.length)))} interval={0} tick={{ fontSize: 12 }} />
            <Tooltip formatter={(v) => [num(Number(v)), valueLabel]} />
            <Bar dataKey="value" name={valueLabel} isAnimationActive={false}>
              {bars.map((b) => (
                <Cell key={b.name} fill={b.value >= 0 ? '#d1242f' : '#1f6feb'} />
              ))}
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
      <details>
        <summary>Values of “{title}” as a table</summary>
        <div className="table-wrap small">
          <table>
            <thead>
              <tr>
                <th scope="col">feature</th>
                <th scope="col" className="num">
                  {valueLabel}
                </th>
              </tr>
            </thead>
            <tbody>
              {bars.map((b) => (
                <tr key={b.name}>
                  <td>{b.name}</td>
                  <td className="num">{num(b.value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
