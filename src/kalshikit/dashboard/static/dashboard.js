// The kalshikit dashboard's page. The server pushes the whole picture over one WebSocket and
// formats every number (the CLI's format); this script only draws it, says what the person
// picks, and posts the order ticket. Text from the exchange is set with textContent, never
// parsed as HTML.
"use strict";

const token = document.querySelector('meta[name="dashboard-token"]').content;
const $ = (id) => document.getElementById(id);
let socket = null;
let watching = decodeURIComponent(location.hash.slice(1)) || null;
let lastPicture = null;
let retryMs = 250;

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws?token=${encodeURIComponent(token)}`);
  socket.onopen = () => {
    retryMs = 250;
    send({ kind: $("kind").value });
    if (watching) send({ watch: watching });
  };
  socket.onmessage = (event) => draw(JSON.parse(event.data));
  socket.onclose = () => {
    $("status").textContent = "reconnecting…";
    $("status").dataset.state = "down";
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 5000);
  };
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text == null ? "—" : text;
  if (className) td.className = className;
  return td;
}

// A table is redrawn only when its rows changed: a button under the pointer stays the same
// element (a click is never lost to a redraw), and a busy feed costs no needless DOM work.
const drawnRows = new WeakMap();

function fill(tbody, rows, build, emptyNote, key = "") {
  const drawn = key + JSON.stringify(rows);
  if (emptyNote) emptyNote.hidden = rows.length > 0;
  if (drawnRows.get(tbody) === drawn) return;
  drawnRows.set(tbody, drawn);
  tbody.replaceChildren();
  for (const row of rows) build(tbody.insertRow(), row);
}

function draw(picture) {
  lastPicture = picture;
  drawBanner(picture.banner, picture);
  drawRanking(picture.ranking);
  $("ranking-empty").hidden = picture.ranked || !picture.ranking.length;
  if (!watching && picture.ranking.length) watch(picture.ranking[0].ticker);
  drawMarket(picture.market);
  drawAccount(picture);
  drawError(picture.error);
}

// The server's word about this page (a market that cannot be opened) shows until it is gone;
// an order's answer in the same line is left alone.
let shownError = null;
function drawError(error) {
  if (error && error !== shownError) say(error, "bad");
  if (!error && shownError && $("ticket-message").textContent === shownError) say("", "");
  shownError = error || null;
}

function drawBanner(banner, picture) {
  $("banner").dataset.tone = banner.tone;
  $("banner-name").textContent = banner.name;
  $("banner-words").textContent = banner.words;
  $("ticket-env").textContent = `(${banner.name})`;
  $("ticket-send").textContent = banner.tone === "prod" ? "Place (real money)" : `Place on ${banner.name}`;
  document.title = `${banner.name} · kalshikit dashboard`;
  $("status").textContent = picture.connected ? `live · ${picture.markets} markets` : "stream reconnecting…";
  $("status").dataset.state = picture.connected ? "up" : "down";
}

function drawRanking(rows) {
  fill($("ranking").tBodies[0], rows, (tr, row) => {
    tr.dataset.ticker = row.ticker;
    if (row.ticker === watching) tr.className = "chosen";
    const name = cell(tr, row.ticker, "ticker");
    const reason = document.createElement("div");
    reason.className = "quiet reason";
    reason.textContent = row.reason;
    name.appendChild(reason);
    name.title = row.title;
    cell(tr, row.yes_bid, "num");
    cell(tr, row.yes_ask, "num");
    cell(tr, row.last, "num");
    tr.onclick = () => watch(row.ticker);
  }, null, watching || "");
}

function watch(ticker) {
  watching = ticker;
  history.replaceState(null, "", `#${encodeURIComponent(ticker)}`);
  send({ watch: ticker });
}

function drawLadder(table, levels) {
  fill(table.tBodies[0], levels, (tr, level) => {
    tr.dataset.price = level.price;
    tr.dataset.size = level.size;
    cell(tr, level.price_text, "price");
    const size = cell(tr, level.size_text, "num depth");
    size.style.setProperty("--bar", `${Math.round(level.bar * 100)}%`);
    const mine = cell(tr, level.mine ? `◀ ${level.mine} yours` : "", "mine");
    if (level.mine) tr.dataset.mine = level.mine;
    mine.title = level.mine ? "your resting orders at this price" : "";
  });
}

function drawMarket(market) {
  if (!market) return;
  $("market-ticker").textContent = market.ticker;
  $("market-title").textContent = market.title;
  $("yes-bid").textContent = market.ladder.quotes.yes_bid;
  $("yes-ask").textContent = market.ladder.quotes.yes_ask;
  $("spread").textContent = market.ladder.quotes.spread;
  $("book-state").textContent = market.ladder.exact ? "" : "(book being refreshed)";
  drawLadder($("ladder-yes"), market.ladder.yes);
  drawLadder($("ladder-no"), market.ladder.no);
  fill($("trades").tBodies[0], market.trades, (tr, trade) => {
    cell(tr, `${trade.taker} taker`, trade.taker === "YES" ? "yes" : "no");
    cell(tr, trade.price_text, "num");
    cell(tr, trade.count_text, "num");
    cell(tr, new Date(trade.ts_ms).toLocaleTimeString(), "quiet");
  });
  drawOrders($("market-orders"), market.orders, $("market-orders-empty"));
  drawChart(market.chart);
}

function drawOrders(table, rows, emptyNote) {
  fill(table.tBodies[0], rows, (tr, order) => {
    tr.dataset.orderId = order.order_id;
    cell(tr, order.short_id, "id");
    cell(tr, order.ticker, "ticker");
    cell(tr, `${order.words}, ${order.left_text} left`);
    const button = document.createElement("button");
    button.textContent = "cancel";
    button.onclick = () => cancel(order);
    tr.insertCell().appendChild(button);
  }, emptyNote);
}

function drawAccount(picture) {
  const book = picture.portfolio;
  drawOrders($("orders"), picture.orders, $("orders-empty"));
  if (!book) {
    $("pnl-totals").textContent = "sign in (a key for this environment) to see positions and P&L";
    return;
  }
  if (!book.ready) {
    $("pnl-totals").textContent = "reading fills and settlements…";
    return;
  }
  const t = book.totals;
  $("pnl-totals").textContent =
    `realized ${t.realized_text} · fees ${t.fees_text} · net ${t.net_text} · unrealized (mid) ${t.unrealized_text}`;
  $("pnl-totals").dataset.net = t.net;
  fill($("positions").tBodies[0], book.positions, (tr, p) => {
    tr.dataset.ticker = p.ticker;
    cell(tr, p.ticker, "ticker");
    cell(tr, p.position_text, "num");
    cell(tr, p.cost_text, "num");
    cell(tr, p.realized_text, "num");
    cell(tr, p.unrealized_text, "num");
  }, $("positions-empty"));
}

function drawChart(points) {
  const canvas = $("chart");
  const ctx = canvas.getContext("2d");
  const width = canvas.width, height = canvas.height, pad = 28;
  ctx.clearRect(0, 0, width, height);
  ctx.font = "11px sans-serif";
  ctx.fillStyle = "#667";
  if (points.length < 1) {
    ctx.fillText("no trades yet", pad, height / 2);
    return;
  }
  const times = points.map((p) => p[0]), prices = points.map((p) => p[1]);
  const t0 = Math.min(...times), t1 = Math.max(...times);
  let low = Math.min(...prices), high = Math.max(...prices);
  if (high === low) { low -= 100; high += 100; }
  const x = (t) => pad + (t1 === t0 ? 0.5 : (t - t0) / (t1 - t0)) * (width - 2 * pad);
  const y = (p) => height - pad / 2 - ((p - low) / (high - low)) * (height - pad);
  ctx.fillText(`${(high / 100).toFixed(1)}¢`, 0, 10);
  ctx.fillText(`${(low / 100).toFixed(1)}¢`, 0, height - 4);
  ctx.strokeStyle = "#2a6fdb";
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  points.forEach(([t, p], i) => {
    if (i === 0) ctx.moveTo(x(t), y(p));
    else { ctx.lineTo(x(t), y(points[i - 1][1])); ctx.lineTo(x(t), y(p)); }
  });
  ctx.stroke();
}

function say(text, tone) {
  $("ticket-message").textContent = text;
  $("ticket-message").dataset.tone = tone;
}

async function post(path, body) {
  const answer = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Dashboard-Token": token },
    body: JSON.stringify(body),
  });
  return [answer.status, await answer.json()];
}

// Prod writes ask first, with the summary the CLI asks about; nothing is sent on "cancel".
async function write(path, body) {
  let [status, answer] = await post(path, body);
  if (status === 409 && answer.confirm) {
    if (!window.confirm(answer.confirm)) return say("not sent", "quiet");
    [status, answer] = await post(path, { ...body, confirm: true });
  }
  say(answer.line || answer.error || `the dashboard answered ${status}`, status === 200 ? "good" : "bad");
}

$("ticket").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!watching) return say("pick a market in the market watch first", "bad");
  const form = new FormData($("ticket"));
  const button = $("ticket-send");
  button.disabled = true;  // one order per click, however impatient
  say("sending…", "quiet");
  try {
    await write("/api/orders", {
      ticker: watching, side: form.get("side"), action: form.get("action"),
      count: form.get("count"), cents: form.get("cents"), dollars: form.get("dollars"),
      tif: form.get("tif"),
      post_only: form.get("post_only") === "on",
    });
  } catch (error) {
    say(`the dashboard did not answer: ${error}`, "bad");
  } finally {
    button.disabled = false;
  }
});

async function cancel(order) {
  try {
    await write(`/api/orders/${encodeURIComponent(order.order_id)}/cancel`, { ticker: order.ticker });
  } catch (error) {
    say(`the dashboard did not answer: ${error}`, "bad");
  }
}

$("kind").addEventListener("change", () => send({ kind: $("kind").value }));
window.addEventListener("hashchange", () => {
  const ticker = decodeURIComponent(location.hash.slice(1));
  if (ticker && ticker !== watching) watch(ticker);
});
connect();
