// Small SVG charts built with DOM calls: bars per category, bars and a line per day.
// Labels are text nodes, so data never becomes markup.

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

function frame(width, height, label) {
  return svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label });
}

function niceMax(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((step) => step * power).find((step) => step >= value);
}

function empty(text) {
  const note = document.createElement("p");
  note.className = "empty-chart";
  note.textContent = text;
  return note;
}

// items: [{label, values: [numbers], title}]; series: class names, one per value.
export function barChart(items, { series = ["bar"], label, horizontal = true } = {}) {
  if (!items.length || items.every((item) => item.values.every((v) => !v))) return empty("No data in this period.");
  const max = niceMax(Math.max(...items.flatMap((item) => item.values)));
  if (horizontal) {
    const rowHeight = 8 + series.length * 10;
    const width = 480;
    const left = 170;
    const height = items.length * rowHeight + 10;
    const chart = frame(width, height, label);
    items.forEach((item, row) => {
      const y = 5 + row * rowHeight;
      const name = item.label.length > 25 ? `${item.label.slice(0, 24)}…` : item.label;
      chart.append(svg("text", { class: "tick", x: left - 6, y: y + rowHeight / 2, "text-anchor": "end", "dominant-baseline": "middle" }, name));
      item.values.forEach((value, index) => {
        const bar = svg("rect", {
          class: `bar ${series[index]}`, x: left, y: y + index * 10,
          width: Math.max(1, ((width - left - 40) * value) / max), height: 8,
        });
        bar.append(svg("title", {}, `${item.title || item.label}: ${value} ${series[index] === "bar" ? "" : series[index]}`.trim()));
        chart.append(bar);
        chart.append(svg("text", { class: "value", x: left + 4 + ((width - left - 40) * value) / max, y: y + index * 10 + 7 }, value));
      });
    });
    return chart;
  }
  const width = 360;
  const height = 170;
  const bottom = 150;
  const chart = frame(width, height, label);
  const step = (width - 20) / items.length;
  chart.append(svg("line", { class: "axis", x1: 10, x2: width - 10, y1: bottom, y2: bottom }));
  items.forEach((item, index) => {
    const value = item.values[0];
    const barHeight = ((bottom - 20) * value) / max;
    const x = 10 + index * step + step * 0.15;
    const bar = svg("rect", { class: `bar ${series[0]}`, x, y: bottom - barHeight, width: step * 0.7, height: Math.max(barHeight, 0.5) });
    bar.append(svg("title", {}, `${item.title || item.label}: ${value}`));
    chart.append(bar);
    chart.append(svg("text", { class: "value", x: x + step * 0.35, y: bottom - barHeight - 4, "text-anchor": "middle" }, value));
    chart.append(svg("text", { class: "tick", x: x + step * 0.35, y: bottom + 14, "text-anchor": "middle" }, item.label));
  });
  return chart;
}

// days: [{date, conversations, contained, handoffs}]: bars of conversations with the
// bot-contained part inside, and a line of handoffs.
export function dailyChart(days, label) {
  if (!days.some((day) => day.conversations)) return empty("No conversations in this period.");
  const width = 900;
  const height = 220;
  const left = 34;
  const bottom = 190;
  const top = 12;
  const max = niceMax(Math.max(...days.map((day) => day.conversations)));
  const step = (width - left - 10) / days.length;
  const y = (value) => bottom - ((bottom - top) * value) / max;
  const chart = frame(width, height, label);
  for (const tick of [0, max / 2, max]) {
    chart.append(svg("line", { class: "axis", x1: left, x2: width - 10, y1: y(tick), y2: y(tick) }));
    chart.append(svg("text", { class: "tick", x: left - 4, y: y(tick) + 4, "text-anchor": "end" }, tick));
  }
  const points = [];
  days.forEach((day, index) => {
    const x = left + index * step;
    for (const [value, name] of [[day.conversations, "bar"], [day.contained, "bar contained"]]) {
      const bar = svg("rect", { class: name, x: x + step * 0.12, y: y(value), width: step * 0.76, height: bottom - y(value) });
      bar.append(svg("title", {}, `${day.date}: ${day.conversations} conversations, ${day.contained} contained, ${day.handoffs} handoffs`));
      chart.append(bar);
    }
    points.push([x + step / 2, y(day.handoffs)]);
    if (days.length <= 14 || index % Math.ceil(days.length / 10) === 0) {
      chart.append(svg("text", { class: "tick", x: x + step / 2, y: bottom + 15, "text-anchor": "middle" }, day.date.slice(5)));
    }
  });
  chart.append(svg("polyline", { class: "line", points: points.map((p) => p.join(",")).join(" ") }));
  for (const [cx, cy] of points) chart.append(svg("circle", { class: "dot", cx, cy, r: 2.5 }));
  return chart;
}
