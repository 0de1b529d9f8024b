// brief live reload: injected by `brief serve` into HTML responses only, never into files.
(() => {
  const base = "__BRIEF_BASE__";
  const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + base + "__brief/reload";
  let delay = 250;
  let lost = false;
  const overlayStyle = "__BRIEF_OVERLAY_STYLE__";
  function show(text) {
    let box = document.getElementById("brief-errors");
    if (!text) {
      if (box) box.remove();
      return;
    }
    if (!box) {
      box = document.createElement("div");
      box.id = "brief-errors";
      box.setAttribute("role", "alert");
      box.setAttribute("style", overlayStyle);
      const title = document.createElement("strong");
      title.textContent = "brief: the last change does not build \u2014 showing the last good version";
      const pre = document.createElement("pre");
      pre.setAttribute("style", "white-space:pre-wrap;margin:.5rem 0 0;font:inherit");
      box.append(title, pre);
      document.body.appendChild(box);
    }
    const pre = box.querySelector("pre");
    if (pre) pre.textContent = text;
  }
  function connect() {
    const socket = new WebSocket(url);
    socket.onopen = () => {
      if (lost) location.reload();
      delay = 250;
    };
    socket.onmessage = (event) => {
      if (event.data === "reload") {
        location.reload();
      } else if (event.data === "errors") {
        fetch(base + "__brief/errors", { cache: "no-store" }).then((r) => r.text()).then(show, () => {});
      }
    };
    socket.onclose = () => {
      lost = true;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 5000);
    };
  }
  connect();
})();
