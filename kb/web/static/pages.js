/* The reviewer pages' few scripts: draw the Vega-Lite charts (vendored, no CDN) and copy a citation. */
(function () {
  "use strict";

  function drawCharts() {
    if (typeof window.vegaEmbed !== "function") {
      return;
    }
    document.querySelectorAll("script.kb-chart-spec").forEach(function (script) {
      var name = script.getAttribute("data-chart");
      var target = document.querySelector('.kb-chart[data-chart="' + name + '"]');
      if (!target) {
        return;
      }
      var spec = JSON.parse(script.textContent);
      window.vegaEmbed(target, spec, { actions: false, renderer: "svg" }).catch(function (error) {
        target.textContent = "图表无法显示：" + error;
      });
    });
  }

  function copyButtons() {
    document.querySelectorAll("button.kb-copy").forEach(function (button) {
      button.addEventListener("click", function () {
        var field = document.querySelector(button.getAttribute("data-copy"));
        if (!field) {
          return;
        }
        field.select();
        var done = function () {
          button.textContent = "已复制";
          window.setTimeout(function () { button.textContent = "复制"; }, 1500);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
        } else {
          document.execCommand("copy");
          done();
        }
      });
    });
  }

  function ready() {
    drawCharts();
    copyButtons();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
