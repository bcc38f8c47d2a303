// Small progressive enhancement only; every page works without it.
// Buttons with data-confirm ask before submitting their form.
document.addEventListener("click", function (ev) {
  var el = ev.target.closest("[data-confirm]");
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    ev.preventDefault();
  }
});
