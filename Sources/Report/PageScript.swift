/// The page's only script: the player. It reads `script#report-steps`, keeps the current step,
/// and on each move marks the arrow (`class="current"`), writes the position, the decision and
/// the deciding node's table (the matched entry's row gets `class="matched"`). Links to
/// `#step-K` (from the expectations) move the player there too. No library, no network.
enum PageScript {
    static let player = """
    (function () {
      "use strict";
      var data = JSON.parse(document.getElementById("report-steps").textContent);
      var steps = data.steps, tables = data.tables;
      var at = 0;
      var position = document.getElementById("player-position");
      var decision = document.getElementById("player-decision");
      var table = document.getElementById("player-table");
      function cell(row, tag, words) {
        var c = document.createElement(tag);
        c.textContent = words;
        row.appendChild(c);
      }
      function show() {
        if (steps.length === 0) { return; }
        var step = steps[at];
        var time = step.text.slice(0, step.text.indexOf(" "));
        var why = step.why !== undefined ? step.why : step.text.slice(step.whyAt);
        position.textContent = "step " + (at + 1) + " of " + steps.length;
        var previous = document.querySelectorAll("svg.ladder g.arrow.current");
        for (var i = 0; i < previous.length; i++) { previous[i].classList.remove("current"); }
        var arrow = document.getElementById("step-" + at);
        if (arrow) {
          arrow.classList.add("current");
          if (arrow.scrollIntoView) { arrow.scrollIntoView({block: "nearest", inline: "nearest"}); }
        }
        decision.textContent = "";
        var head = document.createElement("p");
        head.className = "where";
        head.textContent = time + " s  " + step.node + "  " + step.action + " (" + step.outcome + ")  decisions.txt line " +
          step.line + (step.frame ? ", frame " + step.frame + " of pcap/" + step.pcap : "");
        decision.appendChild(head);
        var line = document.createElement("pre");
        line.textContent = step.text;
        decision.appendChild(line);
        var whyLine = document.createElement("p");
        whyLine.className = "why";
        whyLine.textContent = "why: " + why;
        decision.appendChild(whyLine);
        table.textContent = "";
        var shown = step.table === null || step.table === undefined ? null : tables[step.table];
        var caption = document.createElement("caption");
        caption.textContent = shown ? "allowed IPs of " + shown.node + " (as set at " + shown.time + " s)" : step.node + " has no allowed-IPs table";
        table.appendChild(caption);
        if (!shown) { return; }
        var header = document.createElement("tr");
        cell(header, "th", "prefix");
        cell(header, "th", "peer");
        table.appendChild(header);
        var found = false;
        shown.rows.forEach(function (entry) {
          var row = document.createElement("tr");
          if (step.matched && entry[0] === step.matched) { row.className = "matched"; found = true; }
          cell(row, "td", entry[0]);
          cell(row, "td", entry[1]);
          table.appendChild(row);
        });
        if (shown.more > 0) {
          var more = document.createElement("tr");
          cell(more, "td", "… " + shown.more + " more entries");
          table.appendChild(more);
        }
        if (step.matched && !found) {
          var matched = document.createElement("tr");
          matched.className = "matched";
          cell(matched, "td", step.matched);
          cell(matched, "td", step.owner || "");
          table.appendChild(matched);
        }
      }
      function go(k) {
        at = Math.max(0, Math.min(steps.length - 1, k));
        show();
      }
      document.getElementById("player-back").addEventListener("click", function () { go(at - 1); });
      document.getElementById("player-forward").addEventListener("click", function () { go(at + 1); });
      document.addEventListener("keydown", function (event) {
        if (event.key === "ArrowRight") { go(at + 1); event.preventDefault(); }
        else if (event.key === "ArrowLeft") { go(at - 1); event.preventDefault(); }
      });
      function follow() {
        var match = /^#step-([0-9]+)$/.exec(window.location.hash);
        if (match) { go(parseInt(match[1], 10)); }
      }
      window.addEventListener("hashchange", follow);
      document.addEventListener("click", function (event) {
        var arrow = event.target.closest ? event.target.closest("svg.ladder g.arrow") : null;
        if (arrow) { go(parseInt(arrow.getAttribute("data-step"), 10)); }
      });
      show();
      follow();
    })();
    """
}
