/* Vanguard's few behaviours that are not htmx requests.  Handlers are attached to
   the document, so content htmx swaps in later works too; the Content-Security-Policy
   allows no inline script or on…= attribute. */
"use strict";

document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target : null;
  if (!target) return;

  // A tree node's ▸/▾ button shows or hides its children (htmx loads them on the first click).
  const toggle = target.closest("button.toggle[data-children]");
  if (toggle) {
    const children = document.getElementById(toggle.dataset.children);
    const open = toggle.textContent === "▾";
    toggle.textContent = open ? "▸" : "▾";
    if (children) children.hidden = open;
    return;
  }

  // "Choose" next to a search result puts the organisation's code into the form field it names.
  const pick = target.closest("button[data-pick-field]");
  if (pick) {
    const field = document.getElementById(pick.dataset.pickField);
    if (field) {
      field.value = pick.dataset.pickValue;
      // A form that filters on change (the member list's organisation) applies the pick at once.
      field.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }
});
