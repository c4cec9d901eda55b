'use client';

import { formatMoney } from '@kassa/ui/money';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

export interface VolumePoint {
  day: string;
  gross: number;
  net: number;
}

/**
 * Daily volume of one currency (recharts): gross and net bars per UTC day, every day of the
 * period shown (days without payments at zero). Loaded on its own (next/dynamic) by the home page.
 */
export default function VolumeChart(props: { points: VolumePoint[]; currency: string }) {
  const money = (value: number) => formatMoney(value, props.currency);
  return (
    <ResponsiveContainer width="100%" height={240}>
      <BarChart data={props.points} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="day" tickFormatter={(day: string) => day.slice(5)} minTickGap={16} />
        <YAxis tickFormatter={money} width={80} />
        <Tooltip
          formatter={(value, name) => [money(Number(value)), name === 'gross' ? 'Gross' : 'Net']}
        />
        <Bar dataKey="gross" name="gross" fill="#2d3a8c" isAnimationActive={false} />
        <Bar dataKey="net" name="net" fill="#7c8ad6" isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  );
}
