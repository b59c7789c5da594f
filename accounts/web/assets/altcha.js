// Solves the proof-of-work challenge on the page (ALTCHA format: find the
// number n with SHA-256(salt + n) == challenge) and puts the solution in the
// form's hidden "altcha" field. No third party is contacted.
(function () {
  "use strict";
  var box = document.getElementById("altcha");
  if (!box) { return; }
  var status = document.getElementById("altcha-status");
  var field = box.querySelector("input[name=altcha]");
  var form = box.closest("form");
  var button = form && form.querySelector("button[type=submit]");
  var ch;
  try { ch = JSON.parse(box.getAttribute("data-challenge")); } catch (e) { return; }
  if (button) { button.disabled = true; }
  status.textContent = "Checking that you are not a robot…";
  var enc = new TextEncoder();
  function hex(buf) {
    return Array.prototype.map.call(new Uint8Array(buf), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }
  async function solve() {
    var max = ch.maxnumber || ch.maxNumber || 1000000;
    for (var n = 0; n <= max; n++) {
      var digest = await crypto.subtle.digest("SHA-256", enc.encode(ch.salt + n));
      if (hex(digest) === ch.challenge) { return n; }
    }
    return -1;
  }
  solve().then(function (n) {
    if (n < 0) { status.textContent = "The check failed. Reload the page to try again."; return; }
    field.value = btoa(JSON.stringify({
      algorithm: ch.algorithm, challenge: ch.challenge, number: n, salt: ch.salt, signature: ch.signature
    }));
    status.textContent = "Done: you are not a robot.";
    box.setAttribute("data-solved", "true");
    if (button) { button.disabled = false; }
  });
})();
