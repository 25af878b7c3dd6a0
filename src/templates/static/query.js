// The query page without reloads: examples load into the text area, and the
// query runs with fetch() and fills the same table the server renders when
// JavaScript is off. Every value is inserted as text, never as HTML.
"use strict";
(function () {
  const form = document.getElementById("query-form");
  const area = document.getElementById("query");
  const results = document.getElementById("results");
  if (!form || !area || !results) return;
  const base = form.dataset.base || "";
  const SHOWN = 1000;

  const textsNode = document.getElementById("example-texts");
  const texts = textsNode ? JSON.parse(textsNode.textContent) : {};
  for (const a of document.querySelectorAll("a[data-example]")) {
    a.addEventListener("click", (e) => {
      const text = texts[a.dataset.example];
      if (text === undefined) return;
      e.preventDefault();
      area.value = text;
      area.focus();
    });
  }

  function el(tag, text) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // A link to the query (the page runs it) and to its results as CSV.
  function links() {
    const query = encodeURIComponent(area.value);
    const p = el("p");
    p.className = "result-links";
    const permalink = el("a", "Link to this query");
    permalink.id = "permalink";
    permalink.href = "/sparql?query=" + query;
    const csv = el("a", "Download the results as CSV");
    csv.id = "download-csv";
    csv.href = "/sparql?query=" + query + "&format=csv";
    p.append(permalink, " · ", csv);
    return p;
  }

  // The results replace what was there and are scrolled into view: they
  // sit below the form, which a long query pushes down.
  function show(...nodes) {
    results.replaceChildren(...nodes);
    results.scrollIntoView({ block: "start" });
  }

  function link(iri) {
    const a = el("a", iri);
    a.href = base && iri.startsWith(base) ? "/" + iri.slice(base.length) : iri;
    return a;
  }

  function table(json) {
    const vars = json.head.vars || [];
    const rows = json.results.bindings || [];
    const count = el("p", rows.length + (rows.length === 1 ? " result" : " results") +
      (rows.length > SHOWN ? ", the first " + SHOWN + " shown." : "."));
    count.className = "muted";
    count.id = "result-count";
    const t = el("table");
    t.id = "results-table";
    const head = el("tr");
    for (const v of vars) {
      const th = el("th", v);
      th.scope = "col";
      head.append(th);
    }
    t.append(el("thead"));
    t.tHead.append(head);
    const body = el("tbody");
    for (const b of rows.slice(0, SHOWN)) {
      const tr = el("tr");
      for (const v of vars) {
        const td = el("td");
        const cell = b[v];
        if (cell && cell.type === "uri") td.append(link(cell.value));
        else if (cell && cell.type === "bnode") td.textContent = "_:" + cell.value;
        else if (cell) td.textContent = cell.value;
        tr.append(td);
      }
      body.append(tr);
    }
    t.append(body);
    const wrap = el("div");
    wrap.className = "table-wrap";
    wrap.append(t);
    return [el("h2", "Results"), count, wrap];
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const running = el("p", "Running…");
    running.className = "muted";
    show(running);
    try {
      const response = await fetch(form.action, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          "Accept": "application/sparql-results+json, text/turtle;q=0.9",
        },
        body: new URLSearchParams({ query: area.value }),
      });
      const type = response.headers.get("Content-Type") || "";
      if (!response.ok) {
        const p = el("p", await response.text());
        p.className = "error";
        show(links(), el("h2", "Error"), p);
      } else if (type.includes("json")) {
        const json = await response.json();
        if (typeof json.boolean === "boolean") {
          const p = el("p", json.boolean ? "yes (true)" : "no (false)");
          p.id = "result-boolean";
          show(links(), el("h2", "Results"), p);
        } else {
          show(links(), ...table(json));
        }
      } else {
        const pre = el("pre", await response.text());
        pre.id = "result-graph";
        show(links(), el("h2", "Results"), pre);
      }
    } catch (err) {
      const p = el("p", "The query could not be sent: " + err);
      p.className = "error";
      show(el("h2", "Error"), p);
    }
  });
})();
