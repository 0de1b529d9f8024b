// brief live reload: injected by `brief serve` into HTML responses only, never into files.
(() => {
  const base = "__BRIEF_BASE__";
  const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + base + "__brief/reload";
  let delay = 250;
  let lost = false;
  const overlayStyle = "__BRIEF_OVERLAY_STYLE__";
  const errorsStyle = "__BRIEF_ERRORS_STYLE__";
  const overlayTitle = "__BRIEF_OVERLAY_TITLE__";
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
      title.textContent = overlayTitle;
      const pre = document.createElement("pre");
      pre.setAttribute("style", errorsStyle);
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
