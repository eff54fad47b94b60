// The web UI's only script: forms that call the JSON API, and progress of background jobs.
// No library; every text it puts on the page goes through textContent, never innerHTML.
"use strict";

// What it says, in the page's language: the server puts the translations on <body data-strings>
// (base.html); {name} is filled in here. English where a page has none.
const ENGLISH = {
  nothing: "Nothing to save: choose a value first.",
  saving: "Saving…",
  saved: "Saved.",
  noAnswer: "The server did not answer: {error}",
  progressRows: "{label}: {done} of {total} rows",
  progressSteps: "{label}: {done} of {total} steps",
  ended: "{label}: {status}",
  endedWith: "{label}: {status} ({error})",
  working: "Working",
  jobFailed: "{label} failed: {error}",
  tooLarge: "{name} is {size} bytes; the limit is {limit}: split it into smaller files.",
  analysing: "Analysing",
  uploadFailed: "The upload failed: {error}",
};
let strings = null;

function t(key, values) {
  if (strings === null) {
    try {
      strings = JSON.parse(document.body.getAttribute("data-strings") || "{}");
    } catch (e) {
      strings = {};
    }
  }
  const text = strings[key] || ENGLISH[key] || key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (values && name in values ? String(values[name]) : whole));
}

function count(value) {
  return typeof value === "number" ? value.toLocaleString(document.documentElement.lang || undefined) : value;
}

// Requests that change something carry the page's CSRF token (the session cookie alone is not
// enough: another site's page could make the browser send it).
function csrfHeaders(extra) {
  const meta = document.querySelector('meta[name="csrf-token"]');
  const token = meta ? meta.getAttribute("content") : "";
  return Object.assign(token ? { "x-csrf-token": token } : {}, extra || {});
}

function say(el, text, kind) {
  if (!el) return;
  el.textContent = text;
  el.className = "form-status" + (kind ? " " + kind : "");
}

async function detail(response) {
  try {
    const body = await response.json();
    return typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail || body);
  } catch (e) {
    return response.status + " " + response.statusText;
  }
}

// <form data-api="/v1/..." data-method="PATCH">: the fields as a JSON object. Blank fields are
// left out (the API keeps what it has), unless marked data-null-if-empty (then null: unset).
function formJson(form) {
  const body = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled) continue;
    if ((el.type === "radio" || el.type === "checkbox") && !el.checked) continue;
    const value = el.value.trim();
    if (value === "") {
      if (el.hasAttribute("data-null-if-empty")) body[el.name] = null;
      continue;
    }
    body[el.name] = el.type === "number" || el.hasAttribute("data-number") ? Number(value) : value;
  }
  return body;
}

function wireApiForm(form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const status = form.querySelector(".form-status");
    const confirmText = form.getAttribute("data-confirm");
    if (confirmText && !window.confirm(confirmText)) return;
    const body = formJson(form);
    if (Object.keys(body).length === 0) {
      say(status, t("nothing"), "failed");
      return;
    }
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    say(status, t("saving"));
    try {
      const response = await fetch(form.getAttribute("data-api"), {
        method: form.getAttribute("data-method") || "POST",
        headers: csrfHeaders({ "content-type": "application/json" }),
        body: JSON.stringify(body),
      });
      if (!response.ok) {
        say(status, await detail(response), "failed");
        return;
      }
      say(status, t("saved"), "ok");
      const next = form.getAttribute("data-next");
      if (next) {
        window.location.assign(next.replace(/\{(\w+)\}/g, (_, key) => encodeURIComponent(body[key])));
      } else {
        window.location.reload();
      }
    } catch (error) {
      say(status, t("noAnswer", { error: error }), "failed");
    } finally {
      if (button) button.disabled = false;
    }
  });
}

// Follow /v1/jobs/{id} until it ends; `onTick` gets the job each time.
async function followJob(id, onTick) {
  for (;;) {
    const response = await fetch("/v1/jobs/" + encodeURIComponent(id));
    if (!response.ok) throw new Error(await detail(response));
    const job = await response.json();
    onTick(job);
    if (job.status !== "running") return job;
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
}

function showProgress(box, job, label) {
  box.hidden = false;
  const bar = box.querySelector("progress");
  const text = box.querySelector("[role=status]");
  bar.value = job.progress;
  const values = { label: label, done: count(job.done), total: count(job.total) || "?", status: t(job.status), error: job.error };
  text.textContent = job.status === "running"
    ? t(job.kind === "upload" ? "progressRows" : "progressSteps", values)
    : t(job.error ? "endedWith" : "ended", values);
}

// <button data-job-start="/v1/clusters/refresh">: start the job, show its progress, reload when done.
function wireJobButton(button) {
  button.addEventListener("click", async () => {
    const box = document.querySelector(".job-progress");
    const label = button.getAttribute("data-job-label") || t("working");
    button.disabled = true;
    try {
      const response = await fetch(button.getAttribute("data-job-start"), { method: "POST", headers: csrfHeaders() });
      if (!response.ok) throw new Error(await detail(response));
      const job = await followJob((await response.json()).id, (j) => showProgress(box, j, label));
      if (job.status === "done") window.location.reload();
    } catch (error) {
      box.hidden = false;
      box.querySelector("[role=status]").textContent = t("jobFailed", { label: label, error: error.message });
    } finally {
      button.disabled = false;
    }
  });
}

// The upload form: post the file, follow the job, then show its result (rendered by the server).
function wireUpload(form) {
  const errorBox = document.getElementById("upload-error");
  const box = document.getElementById("upload-progress");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errorBox.hidden = true;
    const file = form.elements.file.files[0];
    const limit = Number(form.getAttribute("data-max-bytes"));
    if (file && limit && file.size > limit) {
      errorBox.textContent = t("tooLarge", { name: file.name, size: count(file.size), limit: count(limit) });
      errorBox.hidden = false;
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const response = await fetch(form.getAttribute("data-upload"), { method: "POST", headers: csrfHeaders(), body: new FormData(form) });
      if (!response.ok) {
        errorBox.textContent = await detail(response);
        errorBox.hidden = false;
        return;
      }
      const started = await response.json();
      const job = await followJob(started.id, (j) => showProgress(box, j, t("analysing")));
      window.location.assign("/ui/upload?job=" + encodeURIComponent(job.id) + "#upload-result");
    } catch (error) {
      errorBox.textContent = t("uploadFailed", { error: error.message });
      errorBox.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-api]").forEach(wireApiForm);
  document.querySelectorAll("button[data-job-start]").forEach(wireJobButton);
  const upload = document.querySelector("form[data-upload]");
  if (upload) wireUpload(upload);
});
