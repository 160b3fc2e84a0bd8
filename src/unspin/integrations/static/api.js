// The API reference at /docs: the server's own OpenAPI schema as a readable list, built with
// textContent only (no markup from the schema is ever interpreted) and nothing loaded from elsewhere.
"use strict";

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (cls) node.className = cls;
  return node;
}

function resolve(schema, spec) {
  // Follow a local $ref ("#/components/schemas/Name"); the schema only ever points inside itself.
  let s = schema || {};
  for (let hops = 0; s.$ref && hops < 10; hops++) {
    s = s.$ref.replace(/^#\//, "").split("/").reduce((o, k) => (o || {})[k], spec) || {};
  }
  return s;
}

function typeOf(schema, spec) {
  const s = resolve(schema, spec);
  if (s.anyOf) return s.anyOf.map((x) => typeOf(x, spec)).join(" or ");
  if (s.type === "array") return `array of ${typeOf(s.items, spec)}`;
  if (schema && schema.$ref) return schema.$ref.split("/").pop();
  return s.type || "object";
}

function fieldTable(schema, spec) {
  const s = resolve(schema, spec);
  const props = s.properties || {};
  const names = Object.keys(props);
  if (!names.length) return el("p", typeOf(schema, spec));
  const table = el("table");
  const head = table.createTHead().insertRow();
  for (const h of ["Field", "Type", "Required", "Meaning"]) {
    const th = el("th", h);
    th.scope = "col";
    head.appendChild(th);
  }
  const body = table.createTBody();
  const required = new Set(s.required || []);
  for (const name of names) {
    const p = resolve(props[name], spec);
    const row = body.insertRow();
    row.insertCell().appendChild(el("code", name));
    row.insertCell().textContent = typeOf(props[name], spec);
    row.insertCell().textContent = required.has(name) ? "yes" : "no";
    row.insertCell().textContent = p.description || props[name].description || "";
  }
  return table;
}

function endpoint(path, method, op, spec) {
  const section = el("section", undefined, "card endpoint");
  const id = `${method}-${path}`.replace(/[^a-z0-9]+/gi, "-");
  const title = el("h2");
  title.id = id;
  title.appendChild(el("code", `${method.toUpperCase()} ${path}`));
  section.setAttribute("aria-labelledby", id);
  section.appendChild(title);
  if (op.summary) section.appendChild(el("p", op.summary));
  if (op.description && op.description !== op.summary) section.appendChild(el("p", op.description));
  const content = (op.requestBody || {}).content || {};
  for (const [type, body] of Object.entries(content)) {
    section.appendChild(el("h3", `Request body (${type})`));
    section.appendChild(fieldTable(body.schema, spec));
  }
  const list = el("ul");
  for (const [code, answer] of Object.entries(op.responses || {})) {
    const schema = Object.values(answer.content || {})[0];
    const kind = schema && schema.schema ? `: ${typeOf(schema.schema, spec)}` : "";
    list.appendChild(el("li", `${code} ${answer.description || ""}${kind}`));
  }
  section.appendChild(el("h3", "Answers"));
  section.appendChild(list);
  return section;
}

async function main() {
  const status = document.getElementById("api-status");
  try {
    const spec = await (await fetch("/openapi.json")).json();
    const holder = document.getElementById("endpoints");
    let n = 0;
    for (const [path, methods] of Object.entries(spec.paths || {})) {
      for (const [method, op] of Object.entries(methods)) {
        holder.appendChild(endpoint(path, method, op, spec));
        n++;
      }
    }
    status.textContent = `${spec.info.title} ${spec.info.version}: ${n} endpoints.`;
  } catch (err) {
    status.textContent = `The schema could not be read (${err}); it is at /openapi.json.`;
  }
}

main();
