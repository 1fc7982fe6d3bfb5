// The live view of a plan job: asks for its figures every second until it is over.
"use strict";
(() => {
  const live = document.getElementById("live");
  if (!live) { return; }
  const show = (id, value) => {
    const element = document.getElementById(id);
    if (element) { element.textContent = value === undefined || value === null ? "–" : String(value); }
  };
  const operation = live.dataset.operation;
  const tick = async () => {
    const response = await fetch(live.dataset.statusUrl, { credentials: "same-origin" });
    if (!response.ok) { return; }
    const job = await response.json();
    const progress = job.progress || {};
    show("job-status", job.status);
    show("job-level", progress.level);
    show("job-elapsed", progress.elapsed);
    show("job-objective", progress.objective);
    show("job-bound", progress.bound);
    show("job-gap", progress.gap);
    if (job.status === "queued" || job.status === "running") {
      setTimeout(tick, 1000);
      return;
    }
    const result = document.getElementById("job-result");
    if (job.result && job.result.plan) {
      const link = document.createElement("a");
      link.href = `/operations/${encodeURIComponent(operation)}/plans/${job.result.plan}`;
      link.textContent = `Plan ${job.result.plan} is ready`;
      result.replaceChildren(link);
    } else if (job.error) {
      result.textContent = job.error;
    }
  };
  setTimeout(tick, 500);
})();
